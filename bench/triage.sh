#!/usr/bin/env bash
# Triage quality on the labelled vignette sets: exact level accuracy,
# emergency recall, under/over-triage and department top-3 accuracy.
#
#   bench/triage.sh              each set held out: the model retrained without it (generalisation)
#   bench/triage.sh --rules-only the phrase rules alone
#   bench/triage.sh --misses     also list every miss (combines with the above)
#
# Without --held-out, triage-eval measures the engine as shipped, whose model
# has seen every set (fit, not generalisation); this script always holds out.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/medi-platform/target}
cargo build --locked -q -p emergency-support --bin triage-eval
mode=(--held-out)
for a in "$@"; do [ "$a" = --rules-only ] && mode=(); done
for set in data/eval/triage_vignettes*.json; do
    [ -f "$set" ] || continue
    "$CARGO_TARGET_DIR/debug/triage-eval" "$set" "${mode[@]}" "$@"
    echo
done
