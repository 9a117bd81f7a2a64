#!/usr/bin/env bash
# Triage quality on the labelled vignette sets: exact level accuracy,
# emergency recall, under/over-triage and department top-3 accuracy.
#
#   bench/triage.sh            development set and held-out set
#   bench/triage.sh --misses   also list every miss
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/medi-platform/target}
cargo build --locked -q -p emergency-support --bin triage-eval
for set in data/eval/triage_vignettes*.json; do
    [ -f "$set" ] || continue
    "$CARGO_TARGET_DIR/debug/triage-eval" "$set" "$@"
    echo
done
