#!/usr/bin/env bash
# Instructions per query of the semantic path (callgrind: repeatable on a noisy VM): runs
# `faq search --batch` over the localgovFAQ dev queries with the semantic path off and on,
# once with one query and once with all of them, and prints the difference per query (start-up
# cancels out). Needs valgrind, ../shared and a release build:
#   cargo build --release && benches/semantic_cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FAQ=${FAQ_BIN:-target/release/faq}
D=../shared/datasets/localgovfaq
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cut -f2 "$D/queries.dev.tsv" > "$work/all.txt"
head -1 "$work/all.txt" > "$work/one.txt"
n=$(wc -l < "$work/all.txt")
"$FAQ" index --corpus "$D/faq.jsonl" >/dev/null 2>&1
count() { # weights, queries -> instructions
  FAQ_WEIGHTS="$1" valgrind --tool=callgrind --callgrind-out-file="$work/out" \
    "$FAQ" search --batch "$2" --corpus "$D/faq.jsonl" >/dev/null 2>"$work/err"
  grep -o "Collected : [0-9]*" "$work/err" | awk '{print $3}'
}
echo "| path | start-up + 1 query | start-up + $n queries | per query |"
echo "|---|---:|---:|---:|"
for spec in "lexical only|semantic=0" "lexical + semantic (default)|"; do
  name=${spec%%|*}; w=${spec#*|}
  one=$(count "$w" "$work/one.txt"); all=$(count "$w" "$work/all.txt")
  echo "| $name | $one | $all | $(( (all - one) / (n - 1) )) |"
done
