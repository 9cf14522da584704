#!/usr/bin/env python3
"""HTTP throughput side by side: `faq serve` and Groonga's HTTP server (groonga-httpd, keep-alive,
cache off), same corpus (localgovFAQ, or the seed corpus of this repo exported as JSONL), same
question, wrk on loopback, in one run.

    sudo apt-get install wrk groonga-bin groonga-tokenizer-mecab mecab-ipadic-utf8 groonga-httpd
    cargo build --release && python3 benches/http_vs_groonga.py [--corpus seed|localgov] [--seconds 30] [--connections 64]

Groonga gets the peers' query for the question (shared/peers/groonga_peer.py: TokenMecab tokens
OR-ed as phrases, tf-idf question*3 + answer), asked for id, question, answer and score of the
top 10; faq answers its JSON contract (top 10 with highlights).
"""
import argparse
import os
import re
import shutil
import socket
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
sys.path.insert(0, os.path.join(SHARED, "peers"))

import groonga_peer as G  # noqa: E402  (the peers' own code: same index and query)

QUESTIONS = {
    "localgov": "住民票の写しを取りたいのですが、どこで手続きできますか",
    "seed": "領収書を出してほしいと言われた",
}






def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--corpus", choices=sorted(QUESTIONS), default="localgov")
    args = ap.parse_args()
    question = QUESTIONS[args.corpus]
    for tool in ("wrk", "groonga"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed")
    work = tempfile.mkdtemp()
    if args.corpus == "seed":
        corpus = os.path.join(work, "seed.jsonl")
        with open(corpus, "w", encoding="utf-8") as out:
            subprocess.run([os.path.join(REPO, "target", "release", "faq"), "export", "--corpus", os.path.join(REPO, "corpus")],
                           stdout=out, check=True)
    else:
        corpus = os.path.join(SHARED, "datasets", "localgovfaq", "faq.jsonl")
    rows = []
    try:
        # faq
        port = free_port()
        index = os.path.join(work, "faq-index")
        faq = subprocess.Popen([os.path.join(REPO, "target", "release", "faq"), "serve", "--addr", f"127.0.0.1:{port}",
                                "--corpus", corpus, "--index", index],
                               env={**os.environ, "RUST_LOG": "warn"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            url = f"{base}/api/search?q={urllib.parse.quote(question)}&limit=10"
            size = len(urllib.request.urlopen(url).read())
            rows.append(("faq serve (fused ranking, highlights)", size, *wrk(url, args.seconds, args.connections)))
        finally:
            faq.terminate()
            faq.wait()
        # Groonga
        gwork = os.path.join(work, "groonga")
        G.cmd_index("mecab", corpus, gwork)
        meta = G.C.load_meta(gwork)
        httpd = G.Http(meta["db"], os.path.join(gwork, "httpd.log"), "httpd", gwork)
        try:
            _, toks = G.check(httpd.cmd(G.url("tokenize", tokenizer=meta["tokenizer"], string=question,
                                             normalizer=meta["normalizer"], mode="GET")), "tokenize")
            words = []
            for t in toks:
                if G.is_word(t["value"]) and t["value"] not in words:
                    words.append(t["value"])
            query = " OR ".join(G.quote_phrase(w) for w in words)
            path = G.url("select", **{"table": "Faq", "match_columns": G.MATCH_COLUMNS["tfidf"], "query": query,
                                     "query_flags": "QUERY_NO_SYNTAX_ERROR", "sort_keys": "-_score,_id",
                                     "output_columns": "_key,question,answer,_score", "cache": "no", "limit": "10"})
            url = f"http://127.0.0.1:{httpd.port}{path}"
            size = len(urllib.request.urlopen(url).read())
            rows.append(("groonga-httpd TokenMecab (select, cache off)", size, *wrk(url, args.seconds, args.connections)))
        finally:
            httpd.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.corpus} corpus, question {question!r}, wrk -t2 -c{args.connections} -d{args.seconds}s, loopback")
    print("| server | response bytes | req/s | p50 | p99 | non-2xx | socket errors |")
    print("|---|---|---|---|---|---|---|")
    for name, size, rps, p50, p99, errors, socket_errors in rows:
        print(f"| {name} | {size} | {rps:,.0f} | {p50} | {p99} | {errors} | {socket_errors} |")


if __name__ == "__main__":
    main()
