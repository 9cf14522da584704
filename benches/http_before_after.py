#!/usr/bin/env python3
"""Searches per second of two `faq` binaries in the same run (issue #19's HTTP target:
compact view, seed corpus ≥ 1.5× and localgovFAQ ≥ 2× the older binary).

Each binary indexes the corpus itself; rounds alternate before, after, before, … (the VM is
noisy: alternation spreads the noise over both), each a fresh `faq serve --no-analytics`
driven by wrk with a Lua script cycling through the corpus's dev queries in the box's view
(`view=compact&limit=6`).

    python3 benches/http_before_after.py BEFORE_BIN AFTER_BIN [--rounds 3 --seconds 8]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httpbench import free_port, start_faq, wrk  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCALGOV = os.path.join(REPO, "..", "shared", "datasets", "localgovfaq")


def queries(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t")[1] for line in f if line.strip() and not line.startswith("#")]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    corpora = [("seed", os.path.join(REPO, "corpus"), queries(os.path.join(REPO, "tests/data/seed_dev/queries.tsv")))]
    if os.path.exists(os.path.join(LOCALGOV, "faq.jsonl")):
        corpora.append(("localgovFAQ", os.path.join(LOCALGOV, "faq.jsonl"), queries(os.path.join(LOCALGOV, "queries.dev.tsv"))))
    else:
        print(f"localgovFAQ skipped: {LOCALGOV} is absent")
    work = tempfile.mkdtemp(prefix="faq-http-ab-")
    try:
        for name, corpus, texts in corpora:
            script = os.path.join(work, f"{name}.lua")
            paths = ", ".join(f'"/api/search?q={urllib.parse.quote(q)}&view=compact&limit=6"' for q in texts)
            with open(script, "w") as f:
                f.write(f"local paths = {{{paths}}}\nlocal i = 0\n"
                        "request = function()\n  i = i + 1\n  return wrk.format('GET', paths[i % #paths + 1])\nend\n")
            dirs = {}
            for label, binary in (("before", args.before), ("after", args.after)):
                d = os.path.join(work, f"{name}-{label}")
                os.makedirs(d)
                if os.path.isdir(corpus):
                    shutil.copytree(corpus, os.path.join(d, "corpus"))
                    subprocess.run([binary, "index"], cwd=d, check=True, capture_output=True)
                else:
                    subprocess.run([binary, "index", "--corpus", corpus, "--index", "index/default"], cwd=d, check=True, capture_output=True)
                dirs[label] = d
            results = {"before": [], "after": []}
            for round_ in range(args.rounds):
                for label, binary in (("before", args.before), ("after", args.after)):
                    port = free_port()
                    extra = ["--no-analytics"] + ([] if os.path.isdir(corpus) else ["--index", "index/default"])
                    server = start_faq(binary, dirs[label], port, extra)
                    try:
                        rps, p50, p99, non2xx, _ = wrk(f"http://127.0.0.1:{port}/", args.seconds, args.connections, script)
                    finally:
                        server.terminate()
                        server.wait()
                    results[label].append(rps)
                    print(f"{name} round {round_ + 1} {label:6}: {rps:9.0f} req/s  p50 {p50:>8}  p99 {p99:>8}  non-2xx {non2xx}", flush=True)
            before, after = statistics.median(results["before"]), statistics.median(results["after"])
            print(f"{name}: median {before:.0f} → {after:.0f} req/s, after/before = {after / before:.2f}\n", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
