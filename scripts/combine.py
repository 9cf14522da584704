#!/usr/bin/env python3
"""Choose and fit the learned combination (issue #13 item 4) on dev data only.

    python3 scripts/combine.py [--faq target/release/faq] [--shared ../shared] [--write]

1. Runs `faq eval --signals --depth 100` with the combination turned off
   (`FAQ_WEIGHTS=combination=0`) on localgovFAQ dev and the seed dev set: every candidate
   of the fused ranking with the engine's own coverage measures
   (crates/faq-query/src/decide/confidence.rs `Coverage`) and its fused score relative to the best.
2. For each candidate model (a set of measures), fits the weights of
   `score × (1 + Σ wᵢ xᵢ)` (crates/faq-query/src/decide/combination.rs) by coordinate ascent on
   ½ localgovFAQ nDCG@10 + ½ seed nDCG@10, less a penalty for any seed class whose
   Recall@1 falls under 0.90 (the seed dev target).
3. Scores each candidate by 5-fold cross-validation, repeated with three shuffles, against
   the fused order (no combination); keeps the best, or none when none beats the fused
   order, and with --write refits it on all of dev into crates/faq-query/data/combination.json.

Test sets are never read here. No dependency beyond the Python standard library.
"""

import argparse
import math
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from calibrate import ROOT, dump, write_model  # noqa: E402

MODEL = os.path.join(ROOT, "crates/faq-query/data/combination.json")
CANDIDATES = [
    ["coverage"],
    ["evidence"],
    ["general_coverage"],
    ["coverage", "question_coverage"],
    ["coverage", "general_coverage"],
    ["coverage", "reading_coverage"],
    ["coverage", "question_coverage", "general_coverage", "general_question_coverage", "reading_coverage"],
]
STEPS = [1.0, -1.0, 0.5, -0.5, 0.25, -0.25, 0.1, -0.1, 0.05, -0.05]
LEAST_FACTOR = 0.05  # as combination.rs
FLOOR = 0.90  # seed dev: every class Recall@1 at least this
FOLDS, SHUFFLES = 5, (1, 2, 3)


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip() and not line.startswith("#")]


def queries(shared):
    """(set name, `faq eval` arguments, qrels {query: {id: grade}}, classes {query: class})."""
    lg = os.path.join(shared, "datasets/localgovfaq")
    out = []
    for name, q, r in [
        ("localgov", f"{lg}/queries.dev.tsv", f"{lg}/qrels.tsv"),
        ("seed", os.path.join(ROOT, "tests/data/seed_dev/queries.tsv"), os.path.join(ROOT, "tests/data/seed_dev/qrels.tsv")),
    ]:
        qrels = {}
        for query, doc, grade, *_ in read_tsv(r):
            if int(grade) > 0:
                qrels.setdefault(query, {})[doc] = int(grade)
        classes = {row[0]: (row[2] if len(row) > 2 else "-") for row in read_tsv(q)}
        corpus = ["--corpus", f"{lg}/faq.jsonl"] if name == "localgov" else []
        out.append((name, [*corpus, "--queries", q, "--qrels", r, "--depth", "100"], qrels, classes))
    return out


class Query:
    """One dev query: its candidates in fused order, their measures, gains and ideal DCG."""

    def __init__(self, name, klass, rows, features, qrels):
        self.set, self.klass = name, klass
        rows = sorted(rows, key=lambda r: r["rank"])
        at = {f: features.index(f) for f in features}
        self.relative = [r["x"][at["relative"]] for r in rows]
        self.x = {f: [r["x"][at[f]] for r in rows] for f in features}
        self.gain = [qrels.get(r["id"], 0) for r in rows]
        ideal = sorted(qrels.values(), reverse=True)[:10]
        self.idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))

    def order(self, model):
        scores = []
        for i, base in enumerate(self.relative):
            boost = sum(w * self.x[f][i] for f, w in model.items())
            scores.append(base * max(1.0 + boost, LEAST_FACTOR))
        return sorted(range(len(scores)), key=lambda i: -scores[i])

    def measure(self, model):
        """(nDCG@10, Recall@1) of the reranked candidates."""
        order = self.order(model)
        dcg = sum(self.gain[j] / math.log2(i + 2) for i, j in enumerate(order[:10]))
        return dcg / self.idcg, float(bool(order) and self.gain[order[0]] > 0)


def summary(measured):
    """(value, localgov nDCG@10, seed nDCG@10, least seed class Recall@1) of measured
    queries [(query, (nDCG@10, Recall@1))]."""
    ndcg = {"localgov": [], "seed": []}
    r1 = {}
    for q, (n, r) in measured:
        ndcg[q.set].append(n)
        if q.set == "seed":
            r1.setdefault(q.klass, []).append(r)
    mean = lambda v: sum(v) / len(v) if v else 0.0
    least = min((mean(v) for v in r1.values()), default=1.0)
    penalty = sum(max(0.0, FLOOR - mean(v)) for v in r1.values())
    lg, seed = mean(ndcg["localgov"]), mean(ndcg["seed"])
    return 0.5 * lg + 0.5 * seed - 10 * penalty, lg, seed, least


def objective(qs, model):
    return summary([(q, q.measure(model)) for q in qs])


def ascend(qs, features, rounds=3):
    model = {f: 0.0 for f in features}
    best = objective(qs, model)[0]
    for _ in range(rounds):
        improved = False
        for f in features:
            for step in STEPS:
                trial = dict(model, **{f: round(model[f] + step, 4)})
                value = objective(qs, trial)[0]
                if value > best + 1e-6:
                    best, model, improved = value, trial, True
        if not improved:
            break
    return model


def cross_validated(qs, features):
    """Mean over shuffles of the summary of held-out measures: each query measured with the
    model fitted on the other folds (the class floor is checked on the pooled held-out
    queries, a fold holding too few of a class to say)."""
    totals = [0.0] * 4
    for shuffle in SHUFFLES:
        order = list(range(len(qs)))
        random.Random(shuffle).shuffle(order)
        measured = []
        for k in range(FOLDS):
            held = [qs[i] for i in order[k::FOLDS]]
            train = [qs[i] for j, i in enumerate(order) if j % FOLDS != k]
            model = ascend(train, features) if features else {}
            measured += [(q, q.measure(model)) for q in held]
        totals = [t + v for t, v in zip(totals, summary(measured))]
    return [t / len(SHUFFLES) for t in totals]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faq", default=os.path.join(ROOT, "target/release/faq"))
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    parser.add_argument("--write", action="store_true", help="write the chosen model")
    args = parser.parse_args()
    qs = []
    with tempfile.TemporaryDirectory() as folder:
        for name, eval_args, qrels, classes in queries(args.shared):
            features, rows = dump(args.faq, name, eval_args, folder, weights="combination=0")
            by_query = {}
            for r in rows:
                by_query.setdefault(r["query"], []).append(r)
            for query, judged in qrels.items():
                if query in classes and query in by_query:
                    qs.append(Query(name, classes[query], by_query[query], features, judged))
    print(f"{len(qs)} dev queries; {FOLDS}-fold cross-validation, shuffles {SHUFFLES}\n")
    print("| model | CV objective | localgovFAQ dev nDCG@10 | seed dev nDCG@10 | least seed class R@1 |")
    print("|---|---:|---:|---:|---:|")
    results = []
    for features in [[]] + CANDIDATES:
        cv = cross_validated(qs, features)
        results.append((cv, features))
        label = " + ".join(features) or "fused order (none)"
        print(f"| {label} | {cv[0]:.4f} | {cv[1]:.4f} | {cv[2]:.4f} | {cv[3]:.3f} |", flush=True)
    (cv, chosen), baseline = max(results, key=lambda r: r[0][0]), results[0][0]
    model = ascend(qs, chosen) if chosen else {}
    full = objective(qs, model)
    print(f"\nchosen: {' + '.join(chosen) or 'none'}; refitted on all of dev: {model}")
    print(f"all dev: localgovFAQ nDCG@10 {full[1]:.4f}, seed {full[2]:.4f}, least seed class R@1 {full[3]:.3f}")
    if args.write:
        out = {
            "features": list(model) or ["coverage"],
            "weights": list(model.values()) or [0.0],
            "provenance": {
                "script": "scripts/combine.py --write",
                "data": "localgovFAQ dev, tests/data/seed_dev (dev sets only), candidates of the fused ranking (depth 100)",
                "fit": "coordinate ascent on 0.5 localgovFAQ nDCG@10 + 0.5 seed nDCG@10, seed classes Recall@1 >= 0.90",
                "chosen_by": f"{FOLDS}-fold cross-validation x {len(SHUFFLES)} shuffles: {cv[0]:.4f} against {baseline[0]:.4f} for the fused order",
            },
        }
        write_model(MODEL, out)


if __name__ == "__main__":
    sys.exit(main())
