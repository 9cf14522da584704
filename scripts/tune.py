#!/usr/bin/env python3
"""Grid search of ranking weights on DEV splits (never a test split).

    scripts/tune.py CORPUS QUERIES_DEV QRELS [name=v1,v2 ...]

Runs `faq eval` once per combination with FAQ_WEIGHTS set and prints rows sorted by
nDCG@10. With SEED_DEV=DIR (a folder holding queries.tsv and qrels.tsv for the default
corpus), each combination is also run on that set and rows are sorted by
nDCG@10 (first set) + MRR@10 (seed set). Example:
    scripts/tune.py ../shared/datasets/localgovfaq/faq.jsonl \
        ../shared/datasets/localgovfaq/queries.dev.tsv ../shared/datasets/localgovfaq/qrels.tsv \
        morph_question=1,1.5 bigram_question=0,0.5
"""
import itertools
import os
import subprocess
import sys


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    corpus, queries, qrels = argv[1:4]
    if "test" in os.path.basename(queries):
        print("refusing to tune on a test split", file=sys.stderr)
        return 2
    names, values = [], []
    for spec in argv[4:]:
        name, vals = spec.split("=")
        names.append(name)
        values.append(vals.split(","))
    binary = os.environ.get("FAQ_BIN", "target/release/faq")
    seed = os.environ.get("SEED_DEV")

    def run(weights, args):
        out = subprocess.run(
            [binary, "eval", *args],
            env={**os.environ, "FAQ_WEIGHTS": weights}, capture_output=True, text=True, check=True,
        ).stdout
        row = next(line for line in out.splitlines() if line.startswith("all"))
        return [float(x) for x in row.split()[2:6]]

    rows = []
    for combo in itertools.product(*values):
        weights = ",".join(f"{n}={v}" for n, v in zip(names, combo))
        ndcg, r10, mrr, r1 = run(weights, ["--corpus", corpus, "--queries", queries, "--qrels", qrels])
        seed_mrr = seed_r1 = 0.0
        if seed:
            _, _, seed_mrr, seed_r1 = run(weights, ["--queries", f"{seed}/queries.tsv", "--qrels", f"{seed}/qrels.tsv"])
        rows.append((ndcg + seed_mrr, ndcg, r10, mrr, r1, seed_mrr, seed_r1, weights))
        print(*rows[-1], file=sys.stderr)
    rows.sort(reverse=True)
    print("objective nDCG@10 Recall@10 MRR@10 Recall@1 seed-MRR@10 seed-Recall@1 weights")
    for row in rows[:15]:
        print(*row)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
