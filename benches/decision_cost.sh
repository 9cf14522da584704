#!/usr/bin/env bash
# Instructions per query added by a change (callgrind: repeatable on a noisy VM), measured
# by running `faq search --batch` over the localgovFAQ dev queries and the seed dev and
# out-of-scope questions with two binaries, once with one query and once with all of them,
# so that start-up cancels out; and once with all of them twice, so that the second pass is
# warm (every entry shown already decoded from the document store, as in a running server).
# Used for the answered decision (issue #14) and the input forms (issue #17):
#   git worktree add /tmp/before <commit> && (cd /tmp/before && CARGO_TARGET_DIR=/tmp/before-target cargo build --release)
#   cargo build --release && benches/decision_cost.sh /tmp/before-target/release/faq target/release/faq
# Needs valgrind and ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=${1:?usage: benches/decision_cost.sh BEFORE_BIN AFTER_BIN}
AFTER=${2:?usage: benches/decision_cost.sh BEFORE_BIN AFTER_BIN}
D=../shared/datasets/localgovfaq
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count() { # binary, index, queries -> instructions
  valgrind --tool=callgrind --callgrind-out-file="$work/out" "$1" search --batch "$3" --index "$2" >/dev/null 2>"$work/err"
  grep -o "Collected : [0-9]*" "$work/err" | awk '{print $3}'
}
echo "| corpus, queries | pass | before (instructions / query) | after | added | added, µs at 3 instructions/ns |"
echo "|---|---|---:|---:|---:|---:|"
for set in localgov seed; do
  if [ "$set" = localgov ]; then
    corpus="$D/faq.jsonl"; cut -f2 "$D/queries.dev.tsv" > "$work/all.txt"
  else
    corpus=corpus; grep -hv '^#' tests/data/seed_dev/queries.tsv tests/data/seed_oos/queries.tsv | cut -f2 > "$work/all.txt"
  fi
  head -1 "$work/all.txt" > "$work/one.txt"
  cat "$work/all.txt" "$work/all.txt" > "$work/twice.txt"
  n=$(wc -l < "$work/all.txt")
  row=(); warm=()
  for bin in "$BEFORE" "$AFTER"; do
    index="$work/index-$(basename "$(dirname "$(dirname "$bin")")")-$set"
    "$bin" index --corpus "$corpus" --index "$index" >/dev/null 2>&1
    one=$(count "$bin" "$index" "$work/one.txt"); all=$(count "$bin" "$index" "$work/all.txt")
    twice=$(count "$bin" "$index" "$work/twice.txt")
    row+=($(( (all - one) / (n - 1) ))); warm+=($(( (twice - all) / n )))
  done
  for pass in first warm; do
    if [ "$pass" = first ]; then b=${row[0]}; a=${row[1]}; else b=${warm[0]}; a=${warm[1]}; fi
    added=$(( a - b ))
    echo "| $set, $n | $pass | $b | $a | $added | $(awk -v a="$added" 'BEGIN { printf "%.2f", a / 3000 }') |"
  done
done
