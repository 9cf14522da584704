#!/usr/bin/env python3
"""What the search box costs on the wire: response bytes of the full view (the scripts'
contract: `limit=10`, every hit with its answer and links) against the box's request (the
compact view, `limit=6&suggest=6`: one request a keystroke), identity and gzip, on the seed
corpus and on localgovFAQ; then wrk req/s of both on one question, alternated, same run.

    cargo build --release && python3 benches/box_bytes.py [--seconds 10] [--connections 32]

Queries: the seed dev queries (tests/data/seed_dev) and the localgovFAQ dev queries
(../shared/datasets/localgovfaq/queries.dev.tsv), plus the issue's examples (注文, a pasted
mail). Bytes are medians over the queries; each request is made once. The old page made two
requests a keystroke (the full view and /api/suggest): keystrokes/s = 1 / (1/full + 1/suggest)
against the box's one request.
"""
import argparse
import gzip
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httpbench import free_port, wrk  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = os.path.join(REPO, "..", "shared")
FAQ = os.path.join(REPO, "target", "release", "faq")
MAIL = ("お世話になっております。先日注文した商品がまだ届きません。注文番号は123-4567890-1234567です。"
        "発送状況を確認して、いつ届くか教えてください。届かない場合はキャンセルして返金してほしいです。よろしくお願いします。")
FULL = "limit=10"
BOX = "view=compact&limit=6&suggest=6"






def queries_of(path, column):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) > column:
                out.append(cols[column])
    return out


def serve(corpus, index):
    port = free_port()
    proc = subprocess.Popen([FAQ, "serve", "--addr", f"127.0.0.1:{port}", "--corpus", corpus, "--index", index],
                            env={**os.environ, "RUST_LOG": "warn"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("faq serve did not start")


def size(url, compressed):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if compressed else {})
    with urllib.request.urlopen(request) as response:
        return len(response.read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()
    corpora = [("seed", os.path.join(REPO, "corpus"), queries_of(os.path.join(REPO, "tests", "data", "seed_dev", "queries.tsv"), 1))]
    localgov = os.path.join(SHARED, "datasets", "localgovfaq")
    if os.path.isdir(localgov):
        corpora.append(("localgovFAQ", os.path.join(localgov, "faq.jsonl"), queries_of(os.path.join(localgov, "queries.dev.tsv"), 1)))
    else:
        print(f"(localgovFAQ skipped: {localgov} missing)")
    work = tempfile.mkdtemp()
    print(f"| corpus | queries | full, median B | box, median B | box / full | full gzip | box gzip | 注文 full / box | mail full / box |")
    print("|---|---|---|---|---|---|---|---|---|")
    throughput = []
    try:
        for name, corpus, queries in corpora:
            proc, base = serve(corpus, os.path.join(work, name))
            try:
                url = lambda q, view: f"{base}/api/search?q={urllib.parse.quote(q)}&{view}"
                full = [size(url(q, FULL), False) for q in queries]
                box = [size(url(q, BOX), False) for q in queries]
                full_gz = [size(url(q, FULL), True) for q in queries]
                box_gz = [size(url(q, BOX), True) for q in queries]
                m = statistics.median
                examples = " | ".join(f"{size(url(q, FULL), False):,} / {size(url(q, BOX), False):,}" for q in ("注文", MAIL))
                print(f"| {name} | {len(queries)} | {m(full):,.0f} | {m(box):,.0f} | {m(box) / m(full):.2f} | {m(full_gz):,.0f} | {m(box_gz):,.0f} | {examples} |")
                if shutil.which("wrk"):
                    question = queries[0]
                    # The old page asked for the full view and, separately, for completions.
                    suggest = f"{base}/api/suggest?q={urllib.parse.quote(question)}&limit=6"
                    for rnd in range(2):
                        row = {}
                        for label, target in (("full", url(question, FULL)), ("suggest", suggest), ("box", url(question, BOX))):
                            rps, p50, p99, _, _ = wrk(target, args.seconds, args.connections)
                            row[label] = rps
                            throughput.append((name, rnd + 1, label, rps, p50, p99))
                        # Keystrokes a second: the old page's two requests against the box's one.
                        old = 1 / (1 / row["full"] + 1 / row["suggest"])
                        throughput.append((name, rnd + 1, "keystrokes/s old page → box", old, "", f"{row['box']:,.0f} ({row['box'] / old:.2f}×)"))
            finally:
                proc.terminate()
                proc.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if throughput:
        print(f"\nwrk -t2 -c{args.connections} -d{args.seconds}s, loopback, identity, the first dev query of each corpus, alternated")
        print("| corpus | round | view | req/s | p50 | p99 |")
        print("|---|---|---|---|---|---|")
        for name, rnd, label, rps, p50, p99 in throughput:
            print(f"| {name} | {rnd} | {label} | {rps:,.0f} | {p50} | {p99} |")


if __name__ == "__main__":
    main()
