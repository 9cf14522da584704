#!/usr/bin/env bash
# What each ranking technique adds: evaluates cumulative weight settings on the seed dev set,
# the localgovFAQ dev split (where the weights were tuned) and the localgovFAQ test split
# (reported, never tuned on). Prints a Markdown table. Needs ../shared and a release build:
#   cargo build --release && scripts/ablation.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FAQ=${FAQ_BIN:-target/release/faq}
D=../shared/datasets/localgovfaq
plain="morph_question=2,morph_answer=1,bigram_question=0,bigram_answer=0,reading_question=0,reading_answer=0,synonym=0,boilerplate=1,max_character_df=1"
steps=(
  "plain BM25 on base forms (question ×2)|$plain"
  "+ field weights tuned (question ×1.25)|$plain,morph_question=1.25"
  "+ boilerplate words ×0.3|$plain,morph_question=1.25,boilerplate=0.3"
  "+ character bigrams|$plain,morph_question=1.25,boilerplate=0.3,bigram_question=0.25,bigram_answer=0.2"
  "+ kana readings|$plain,morph_question=1.25,boilerplate=0.3,bigram_question=0.25,bigram_answer=0.2,reading_question=0.1,reading_answer=0.05"
  "+ synonyms (seed only; localgovFAQ has none)|$plain,morph_question=1.25,boilerplate=0.3,bigram_question=0.25,bigram_answer=0.2,reading_question=0.1,reading_answer=0.05,synonym=0.8"
  "+ drop character terms in >20% of entries (= default)|"
)
metric() { # args: weights, eval args...; prints "nDCG R@10 MRR R@1"
  local w=$1; shift
  FAQ_WEIGHTS="$w" "$FAQ" eval "$@" 2>/dev/null | awk '$1=="all"{printf "%s %s %s %s", $3, $4, $5, $6}'
}
echo "| technique | seed dev MRR@10 | seed dev Recall@1 | localgovFAQ dev nDCG@10 | dev Recall@10 | localgovFAQ test nDCG@10 | test Recall@10 |"
echo "|---|---|---|---|---|---|---|"
for step in "${steps[@]}"; do
  name=${step%%|*}; w=${step#*|}
  read -r _ _ smrr sr1 <<<"$(metric "$w" --queries tests/data/seed_dev/queries.tsv --qrels tests/data/seed_dev/qrels.tsv)"
  read -r dn dr _ _ <<<"$(metric "$w" --corpus $D/faq.jsonl --queries $D/queries.dev.tsv --qrels $D/qrels.tsv)"
  read -r tn tr _ _ <<<"$(metric "$w" --corpus $D/faq.jsonl --queries $D/queries.test.tsv --qrels $D/qrels.tsv)"
  echo "| $name | $smrr | $sr1 | $dn | $dr | $tn | $tr |"
done
