#!/usr/bin/env bash
# Retrieval quality of the knowledge index on the labelled question sets:
# recall@5, recall@1 and MRR@10 for vector-only (FAISS), keyword-only (BM25)
# and fused (RRF) search, over the passages built from the bundled seeds.
#
#   bench/retrieval.sh                  development set and held-out set
#   bench/retrieval.sh --misses         also list what fused search misses
#   bench/retrieval.sh --index DIR      search a saved index (e.g. one built by
#                                       `medictl index build` with MEDI_EMBEDDINGS_*)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/medi-platform/target}
cargo build --locked -q -p knowledge --bin retrieval-eval
for set in data/eval/retrieval_questions*.json; do
    echo "== $set"
    "$CARGO_TARGET_DIR/debug/retrieval-eval" --questions "$set" "$@"
    echo
done
