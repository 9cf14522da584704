#!/usr/bin/env python3
"""Fit the confidence model of the answered decision (issue #14) on dev data only.

    python3 scripts/calibrate.py [--faq target/release/faq] [--shared ../shared] [--write]

1. Runs `faq eval --signals` on the dev sets: localgovFAQ dev (every query in scope), the
   seed dev set (in scope) and the seed out-of-scope dev set (`tests/data/seed_oos`). The
   signals are computed by the engine (crates/faq-query/src/decide/confidence.rs); this script
   never re-derives a feature.
2. Fits a logistic regression (Newton's method, L2) of "this hit is relevant" on the
   features of the top hits, each set weighted equally (the seed sets are small).
3. Chooses the operating point on 5-fold cross-validated dev predictions: the threshold
   that maximises (seed dev questions answered) − (seed out-of-scope questions answered),
   both as shares (Youden's J); ties go to the higher threshold.
4. Prints the selective-answering curve and the reliability diagram (cross-validated, dev)
   and, with --write, writes crates/faq-query/data/confidence.json.

Test sets are not read here: `scripts/calibrate.py --report` (after a rebuild with the new
model) prints the same tables for the held-out sets, once.
No dependency beyond the Python standard library.
"""

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "crates/faq-query/data/confidence.json")
TOP = 5  # hits per query used for fitting
L2 = 1.0  # ridge penalty on the standardised weights (not on the bias)


def sets(shared, split):
    lg = os.path.join(shared, "datasets/localgovfaq")
    seed_in = "seed_dev" if split == "dev" else "seed_test"
    seed_oos = "seed_oos" if split == "dev" else "seed_oos_test"
    out = [
        ("localgov", ["--corpus", f"{lg}/faq.jsonl", "--queries", f"{lg}/queries.{split}.tsv", "--qrels", f"{lg}/qrels.tsv"]),
        ("seed", ["--queries", f"tests/data/{seed_in}/queries.tsv", "--qrels", f"tests/data/{seed_in}/qrels.tsv"]),
        ("seed_oos", ["--queries", f"tests/data/{seed_oos}/queries.tsv", "--out-of-scope"]),
    ]
    return out


def dump(faq, name, args, folder, weights=None):
    """Runs `faq eval --signals` (with `FAQ_WEIGHTS=weights` when given) and reads the
    rows: set, query, rank, id, y (relevant), conf and x (the features, named by the
    header; returned with them)."""
    path = os.path.join(folder, f"{name}.tsv")
    env = dict(os.environ)
    env.pop("FAQ_WEIGHTS", None)
    if weights:
        env["FAQ_WEIGHTS"] = weights
    subprocess.run([faq, "eval", *args, "--signals", path], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=env)
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        features = header[5:]
        for line in f:
            q, rank, hit, rel, conf, *x = line.rstrip("\n").split("\t")
            rows.append({"set": name, "query": q, "rank": int(rank), "id": hit, "y": int(rel), "conf": float(conf), "x": [float(v) for v in x]})
    return features, rows


def write_model(path, model):
    """Writes a model file as the engine reads it (crates/faq-query/data/*.json)."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(model, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)}")


def queries_of(rows, name):
    """Every query of a set with its top hit (None when it had no hit)."""
    tops = {}
    for r in rows:
        if r["set"] == name and r["rank"] == 0:
            tops[r["query"]] = r
    return tops


# --- logistic regression ----------------------------------------------------------------

def solve(a, b):
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[c][c] != 0:
                f = m[r][c] / m[c][c]
                for k in range(c, n + 1):
                    m[r][k] -= f * m[c][k]
    return [m[i][n] / m[i][i] for i in range(n)]


def sigmoid(z):
    return 1 / (1 + math.exp(-max(-40, min(40, z))))


def fit(xs, ys, ws):
    """Weighted L2 logistic regression on standardised features; returns (weights, bias) in
    the raw feature space."""
    d = len(xs[0])
    total = sum(ws)
    mean = [sum(w * x[j] for x, w in zip(xs, ws)) / total for j in range(d)]
    sd = [math.sqrt(sum(w * (x[j] - mean[j]) ** 2 for x, w in zip(xs, ws)) / total) or 1.0 for j in range(d)]
    zs = [[1.0] + [(x[j] - mean[j]) / sd[j] for j in range(d)] for x in xs]
    beta = [0.0] * (d + 1)
    for _ in range(50):
        grad = [0.0] * (d + 1)
        hess = [[0.0] * (d + 1) for _ in range(d + 1)]
        for z, y, w in zip(zs, ys, ws):
            p = sigmoid(sum(b * v for b, v in zip(beta, z)))
            for i in range(d + 1):
                grad[i] += w * (p - y) * z[i]
                for j in range(i, d + 1):
                    hess[i][j] += w * p * (1 - p) * z[i] * z[j]
        for i in range(d + 1):
            for j in range(i):
                hess[i][j] = hess[j][i]
        for i in range(1, d + 1):
            grad[i] += L2 * beta[i]
            hess[i][i] += L2
        step = solve(hess, grad)
        beta = [b - s for b, s in zip(beta, step)]
        if max(abs(s) for s in step) < 1e-8:
            break
    weights = [beta[j + 1] / sd[j] for j in range(d)]
    bias = beta[0] - sum(beta[j + 1] * mean[j] / sd[j] for j in range(d))
    return weights, bias


def training(rows):
    rows = [r for r in rows if r["rank"] < TOP]
    per_set = {}
    for r in rows:
        per_set[r["set"]] = per_set.get(r["set"], 0) + 1
    ws = [1.0 / per_set[r["set"]] * len(rows) / len(per_set) for r in rows]
    return [r["x"] for r in rows], [r["y"] for r in rows], ws


def predict(weights, bias, x):
    return sigmoid(bias + sum(w * v for w, v in zip(weights, x)))


def cross_validated(rows, folds=5, seed=14):
    """Each row's confidence from a model fitted without its query's fold."""
    queries = sorted({(r["set"], r["query"]) for r in rows})
    random.Random(seed).shuffle(queries)
    fold_of = {q: i % folds for i, q in enumerate(queries)}
    out = {}
    for k in range(folds):
        train = [r for r in rows if fold_of[(r["set"], r["query"])] != k]
        weights, bias = fit(*training(train))
        for r in rows:
            if fold_of[(r["set"], r["query"])] == k:
                out[id(r)] = predict(weights, bias, r["x"])
    return out


# --- reports -----------------------------------------------------------------------------

def decisions(rows, name, confidence, threshold, total):
    """(queries, answered, answered correct, correct) for one set at a threshold; queries
    without a hit count as unanswered and wrong."""
    tops = queries_of(rows, name)
    answered = sum(1 for r in tops.values() if confidence(r) >= threshold)
    answered_correct = sum(1 for r in tops.values() if confidence(r) >= threshold and r["y"])
    correct = sum(1 for r in tops.values() if r["y"])
    return total, answered, answered_correct, correct


def curve(rows, name, confidence, total, thresholds):
    lines = [f"| threshold | answered | P@1 answered |", "|---:|---:|---:|"]
    for t in thresholds:
        n, a, ac, c = decisions(rows, name, confidence, t, total)
        precision = f"{ac / a:.3f}" if a else "–"
        lines.append(f"| {t:.2f} | {a / n:.3f} ({a}/{n}) | {precision} |")
    return "\n".join(lines)


def reliability(rows, confidence, bins=10):
    lines = ["| confidence | hits | mean confidence | share relevant |", "|---|---:|---:|---:|"]
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [r for r in rows if lo <= confidence(r) < hi or (b == bins - 1 and confidence(r) == 1.0)]
        if not inside:
            continue
        mean = sum(confidence(r) for r in inside) / len(inside)
        share = sum(r["y"] for r in inside) / len(inside)
        lines.append(f"| {lo:.1f}–{hi:.1f} | {len(inside)} | {mean:.3f} | {share:.3f} |")
    return "\n".join(lines)


def count_queries(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return sum(1 for line in f if line.strip() and not line.startswith("#"))


def judged_count(shared, name, split):
    """Queries a set evaluates (in scope: with a relevant judgment)."""
    if name == "localgov":
        lg = os.path.join(shared, "datasets/localgovfaq")
        ids = {l.split("\t")[0] for l in open(f"{lg}/queries.{split}.tsv", encoding="utf-8") if l.strip() and not l.startswith("#")}
        judged = {l.split("\t")[0] for l in open(f"{lg}/qrels.tsv", encoding="utf-8") if l.strip() and int(l.split("\t")[2]) > 0}
        return len(ids & judged)
    folder = {("seed", "dev"): "seed_dev", ("seed", "test"): "seed_test", ("seed_oos", "dev"): "seed_oos", ("seed_oos", "test"): "seed_oos_test"}[(name, split)]
    return count_queries(f"tests/data/{folder}/queries.tsv")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faq", default=os.path.join(ROOT, "target/release/faq"))
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    parser.add_argument("--write", action="store_true", help="write the fitted model")
    parser.add_argument("--report", action="store_true", help="report the shipped model on the held-out test sets")
    args = parser.parse_args()
    split = "test" if args.report else "dev"
    rows, features = [], None
    with tempfile.TemporaryDirectory() as folder:
        for name, eval_args in sets(args.shared, split):
            features, part = dump(args.faq, name, eval_args, folder)
            rows += part
    thresholds = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8]
    totals = {name: judged_count(args.shared, name, split) for name, _ in sets(args.shared, split)}

    if args.report:
        model = json.load(open(MODEL, encoding="utf-8"))
        confidence = lambda r: r["conf"]
        print(f"## held-out test sets, shipped model, operating point {model['threshold']:.3f}\n")
        for name in totals:
            print(f"### {name}\n")
            print(curve(rows, name, confidence, totals[name], sorted(set(thresholds + [model["threshold"]]))))
            print()
        print("### reliability (top 5 hits of every test query)\n")
        print(reliability([r for r in rows if r["rank"] < TOP], confidence))
        return

    cv = cross_validated([r for r in rows if r["rank"] < TOP])
    confidence = lambda r: cv[id(r)]
    # The operating point: Youden's J between seed dev (in scope) and seed out-of-scope dev.
    grid = [i / 200 for i in range(1, 200)]
    def youden(t):
        inside = decisions(rows, "seed", confidence, t, totals["seed"])[1] / totals["seed"]
        outside = decisions(rows, "seed_oos", confidence, t, totals["seed_oos"])[1] / totals["seed_oos"]
        return inside - outside
    chosen = max(grid, key=lambda t: (round(youden(t), 9), t))
    weights, bias = fit(*training(rows))
    print("## dev sets, 5-fold cross-validated confidences\n")
    print(f"operating point: {chosen:.3f}\n")
    for name in totals:
        n, a, ac, c = decisions(rows, name, confidence, chosen, totals[name])
        print(f"{name:<10} answered {a}/{n} = {a / n:.3f}, P@1 answered {ac / max(a, 1):.3f}, P@1 all {c / n:.3f}")
    print()
    for name in totals:
        print(f"### {name}\n")
        print(curve(rows, name, confidence, totals[name], sorted(set(thresholds + [chosen]))))
        print()
    print("### reliability (top 5 hits of every dev query)\n")
    print(reliability([r for r in rows if r["rank"] < TOP], confidence))
    print("\nweights (raw features):")
    for f, w in zip(features, weights):
        print(f"  {f:<14} {w:+.4f}")
    print(f"  {'bias':<14} {bias:+.4f}")
    if args.write:
        model = {
            "features": features,
            "weights": [round(w, 6) for w in weights],
            "bias": round(bias, 6),
            "threshold": chosen,
            "provenance": {
                "script": "scripts/calibrate.py --write",
                "data": "localgovFAQ dev, tests/data/seed_dev, tests/data/seed_oos (dev sets only)",
                "fit": f"logistic regression, L2 {L2}, top {TOP} hits per query, sets weighted equally",
                "threshold": "Youden's J, seed dev answered minus seed out-of-scope dev answered (5-fold cross-validated)",
            },
        }
        print()
        write_model(MODEL, model)


if __name__ == "__main__":
    sys.exit(main())
