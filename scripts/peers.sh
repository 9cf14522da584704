#!/usr/bin/env bash
# Side-by-side relevance on localgovFAQ: this engine and the peers of ../shared/peers, same
# corpus, same queries, same metric code (shared/peers/eval.py), in one run.
#   sudo apt-get install groonga-bin groonga-tokenizer-mecab mecab-ipadic-utf8
#   cargo build --release && scripts/peers.sh [test|dev|all]
set -euo pipefail
cd "$(dirname "$0")/.."
split=${1:-test}
D=../shared/datasets/localgovfaq
P=../shared/peers
Q=$D/queries.tsv; [ "$split" = all ] || Q=$D/queries.$split.tsv
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
row() { # name run.tsv
  python3 $P/eval.py $D/qrels.tsv "$2" --queries "$Q" |
    awk -v n="$1" -F'\t' '{m[$1]=$2} END {printf "| %s | %s | %s | %s | %s | %s |\n", n, m["nDCG@10"], m["Recall@10"], m["MRR@10"], m["Recall@1"], m["zero_result_queries"]}'
}
echo "localgovFAQ, $split split ($(grep -c . "$Q") queries)"
echo "| system | nDCG@10 | Recall@10 | MRR@10 | Recall@1 | zero-result |"
echo "|---|---|---|---|---|---|"
target/release/faq eval --corpus $D/faq.jsonl --queries "$Q" --qrels $D/qrels.tsv --run "$work/faq.tsv" --run-format tsv >/dev/null 2>&1
row "faq (this repo)" "$work/faq.tsv"
for peer in groonga-mecab groonga-bigram sqlite-fts5-trigram; do
  if [[ $peer == groonga* ]] && ! command -v groonga >/dev/null; then echo "| $peer | (groonga not installed) | | | | |"; continue; fi
  $P/$peer index $D/faq.jsonl "$work/$peer" >/dev/null 2>&1
  extra=(); [[ $peer == groonga* ]] && extra=(--http none)
  PEER_PASSES=1 $P/$peer run "$work/$peer" "$Q" 10 "${extra[@]}" >"$work/$peer.tsv" 2>/dev/null
  row "$peer" "$work/$peer.tsv"
done
