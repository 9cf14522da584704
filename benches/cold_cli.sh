#!/usr/bin/env bash
# Cold command-line search, side by side (issue #6): one process per query, existing index,
# localgovFAQ (1,786 entries), hyperfine. `faq search` (analysis + ranking + highlights,
# text output) against one-shot Groonga (`groonga DB select`, TokenMecab and TokenBigram
# databases built by ../shared/peers) and the sqlite3 shell on the FTS5 trigram database of
# the same peers. The peers get the query already split into OR terms (what the peer
# scripts send); faq gets the raw sentence.
#
#   cargo build --release && benches/cold_cli.sh
set -euo pipefail
cd "$(dirname "$0")/.."
D=../shared/datasets/localgovfaq
P=../shared/peers
[ -f $D/faq.jsonl ] || { echo "SKIPPED: $D is absent"; exit 0; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
faq=target/release/faq
"$faq" index --corpus $D/faq.jsonl --index "$work/faq" 2>/dev/null
"$P/groonga-mecab" index $D/faq.jsonl "$work/mecab" >/dev/null 2>&1
"$P/groonga-bigram" index $D/faq.jsonl "$work/bigram" >/dev/null 2>&1
"$P/sqlite-fts5-trigram" index $D/faq.jsonl "$work/fts5" >/dev/null 2>&1

sentence="子どもの予防接種の予約はどこでできますか"
mecab_or='子ども OR 予防 OR 接種 OR 予約 OR どこ OR できる'
bigram_or='子ど OR ども OR 予防 OR 防接 OR 接種 OR 予約 OR どこ OR でき OR きま OR ます'
trigram_or='"子ども" OR "予防接" OR "防接種" OR "の予約" OR "予約は" OR "どこで" OR "できま" OR "きます"'
# One argument in Groonga's URL form (what the peer scripts send), so no shell quoting is involved.
groonga_select() {
  local url
  url=$(python3 -c 'import sys, urllib.parse; print("/d/select?" + urllib.parse.urlencode({"table": "Faq", "match_columns": "scorer_tf_idf(question) * 3 || scorer_tf_idf(answer)", "query": sys.argv[1], "limit": "10", "output_columns": "_key,_score", "sort_keys": "-_score,_id", "cache": "no"}))' "$2")
  echo "groonga $1 $url"
}
hyperfine -N --warmup 5 --runs 50 --export-markdown "$work/cold.md" \
  -n "faq search" "$faq search --index $work/faq $sentence" \
  -n "groonga TokenMecab" "$(groonga_select "$work/mecab/groonga/faq.db" "$mecab_or")" \
  -n "groonga TokenBigram" "$(groonga_select "$work/bigram/groonga/faq.db" "$bigram_or")" \
  -n "sqlite3 FTS5 trigram" "sqlite3 -readonly $work/fts5/fts5_trigram.db \"SELECT doc_id FROM faq WHERE faq MATCH '$trigram_or' ORDER BY bm25(faq, 0.0, 3.0, 1.0), rowid LIMIT 10\""
cat "$work/cold.md"
