#!/usr/bin/env bash
# Triage quality on the labelled vignette sets: exact level accuracy,
# emergency recall, under/over-triage and department top-3 accuracy.
#
#   bench/triage.sh              leave-one-set-out: each set measured with the rules and a
#                                model trained on the other sets, pooled over the symptom sets
#   bench/triage.sh --rules-only the phrase rules alone, per set
#   bench/triage.sh --misses     each set held out, with every miss listed
#
# triage-eval SET (without --held-out) measures the engine as shipped, whose
# model has seen every bundled set (fit, not generalisation). A new set is
# measured that way exactly once, before it joins VIGNETTE_SETS: that first
# contact is the honest figure for unseen text.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/medi-platform/target}
cargo build --locked -q -p emergency-support --bin triage-eval
eval_bin="$CARGO_TARGET_DIR/debug/triage-eval"
case "${1:-}" in
    "") exec "$eval_bin" --cross-validate ;;
    --rules-only) mode=(--rules-only) ;;
    --misses) mode=(--held-out --misses) ;;
    *) echo "usage: bench/triage.sh [--rules-only|--misses]" >&2; exit 2 ;;
esac
for set in data/eval/triage_vignettes*.json; do
    "$eval_bin" "$set" "${mode[@]}"
    echo
done
