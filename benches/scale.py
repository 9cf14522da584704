#!/usr/bin/env python3
"""Corpus scaler and scale benchmark (issue #6): grows real FAQ text to N entries and
measures, for each size, the index build (entries/s, peak RSS), the index size on disk,
per-query latency in process (p50/p99 of the engine's own `took_ms`), and a server's RSS
and HTTP latency; optionally the peers of ../shared/peers on the same corpus and queries.

The text is real: the seed corpus (`faq export`) and localgovFAQ's 1,786 entries. Entry i
is pool entry i mod |pool| (the first copy unchanged); later copies mix in a sentence of
another entry and two pseudo-words drawn from a Zipf law over an unbounded vocabulary, so
the vocabulary keeps growing with N (Heaps' law) and terms spread like real text rather
than repeating the pool verbatim. The queries are localgovFAQ dev queries (never test).

    cargo build --release
    python3 benches/scale.py --sizes 10000,100000,1000000 [--peers 100000] [--keep]

Results: target/scale/results.json (one record per size, merged across runs) and a
Markdown table on stdout; `python3 benches/plot.py` draws the SVGs of BENCHMARKS.md.
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAQ = os.path.join(ROOT, "target/release/faq")
SHARED = os.path.join(ROOT, "../shared")
LOCALGOV = os.path.join(SHARED, "datasets/localgovfaq")
OUT = os.path.join(ROOT, "target/scale")

KATAKANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"


def pseudo_word(rank):
    """A deterministic katakana word for a vocabulary rank (2-5 syllables)."""
    syllables = []
    n = rank + len(KATAKANA)
    while n:
        n, r = divmod(n, len(KATAKANA))
        syllables.append(KATAKANA[r])
    return "".join(syllables)


def pool():
    seed = subprocess.run([FAQ, "export", "--corpus", os.path.join(ROOT, "corpus")], check=True,
                          capture_output=True, text=True).stdout
    entries = [json.loads(line) for line in seed.splitlines() if line.strip()]
    with open(os.path.join(LOCALGOV, "faq.jsonl"), encoding="utf-8") as f:
        entries += [json.loads(line) for line in f if line.strip()]
    return [{"question": e["question"], "answer": e["answer"]} for e in entries]


def sentences(text):
    return [s for s in re.split(r"(?<=[。！？\n])", text) if s.strip()]


def generate(n, path):
    """Writes n entries to path (JSONL); reuses the file when it already has n lines."""
    if os.path.exists(path) and sum(1 for _ in open(path, encoding="utf-8")) == n:
        return
    entries = pool()
    rng = random.Random(20261127)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        for i in range(n):
            base = entries[i % len(entries)]
            question, answer = base["question"], base["answer"]
            if i >= len(entries):
                other = sentences(entries[rng.randrange(len(entries))]["answer"])
                words = [pseudo_word(int(rng.paretovariate(1.1)) * 7 + rng.randrange(7)) for _ in range(2)]
                question = f"{question}（{words[0]}）"
                answer = f"{answer}\n{rng.choice(other) if other else ''}{words[1]}の場合も同様です。"
            out.write(json.dumps({"id": f"e{i}", "question": question, "answer": answer}, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def queries(limit):
    rows = []
    with open(os.path.join(LOCALGOV, "queries.dev.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                qid, _, text = line.rstrip("\n").partition("\t")
                rows.append((qid, text.split("\t")[0]))
    return rows[:limit]


def percentile(samples, p):
    s = sorted(samples)
    return s[max(1, -(-len(s) * p // 100)) - 1]


def du(path):
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            total += os.path.getsize(os.path.join(folder, name))
    return total


# The generated corpus is one JSONL file (1.3 GB at 1M entries): above the 64 MiB per file
# (and 1 GiB per corpus) that `faq index` reads by default, so the limits are raised for it.
LIMITS = dict(os.environ, FAQ_MAX_FILE_MB="4096", FAQ_MAX_CORPUS_MB="4096")


def build(corpus, index):
    shutil.rmtree(index, ignore_errors=True)
    started = time.perf_counter()
    run = subprocess.run(["/usr/bin/time", "-f", "%M", FAQ, "index", "--corpus", corpus, "--index", index],
                         capture_output=True, text=True, env=LIMITS)
    wall = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"faq index failed: {run.stderr}")
    peak_kb = int(run.stderr.strip().splitlines()[-1])
    return wall, peak_kb * 1024


def in_process_latency(index, qs):
    """p50/p99 of the engine's own timing (analysis + ranking + highlights), second pass."""
    text = "\n".join(t for _, t in qs) + "\n"
    out = subprocess.run([FAQ, "search", "--index", index, "--batch", "-", "--json", "--limit", "10"],
                         input=text * 2, capture_output=True, text=True).stdout
    took = [json.loads(line).get("took_ms") for line in out.splitlines()]
    samples = [t * 1000 for t in took[len(qs):] if t is not None]
    return percentile(samples, 50), percentile(samples, 99)


def rss(pid):
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(value.split()[0]) * 1024
    return values


def server(index, qs, port=18090):
    proc = subprocess.Popen([FAQ, "serve", "--index", index, "--addr", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        start = rss(proc.pid)["VmRSS"]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        samples = []
        for pass_ in range(2):
            for _, text in qs:
                t0 = time.perf_counter()
                conn.request("GET", "/api/search?" + urllib.parse.urlencode({"q": text}))
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise SystemExit(f"HTTP {response.status} for {text!r}")
                if pass_:
                    samples.append((time.perf_counter() - t0) * 1e6)
        end = rss(proc.pid)
        return {"server_rss_start": start, "server_rss_end": end["VmRSS"], "server_rss_peak": end["VmHWM"],
                "http_p50_us": percentile(samples, 50), "http_p99_us": percentile(samples, 99)}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def peers(corpus, workdir, qs):
    """Index time and per-query latency of each peer (its own timing lines on stderr)."""
    results = {}
    qfile = os.path.join(workdir, "queries.tsv")
    with open(qfile, "w", encoding="utf-8") as f:
        f.writelines(f"{qid}\t{text}\n" for qid, text in qs)
    for peer in ("groonga-mecab", "groonga-bigram", "sqlite-fts5-trigram"):
        script = os.path.join(SHARED, "peers", peer)
        if peer.startswith("groonga") and not shutil.which("groonga"):
            continue
        pdir = os.path.join(workdir, peer)
        shutil.rmtree(pdir, ignore_errors=True)
        t0 = time.perf_counter()
        idx = subprocess.run([script, "index", corpus, pdir], capture_output=True, text=True)
        build_s = time.perf_counter() - t0
        if idx.returncode != 0:
            results[peer] = {"error": idx.stderr[-300:]}
            continue
        extra = ["--http", "none"] if peer.startswith("groonga") else []
        run = subprocess.run([script, "run", pdir, qfile, "10", *extra], capture_output=True, text=True,
                             env={**os.environ, "PEER_PASSES": "1"})
        timing = {}
        for line in run.stderr.splitlines():
            m = re.search(r"\] (\w+): n=\d+ median_us=([\d.]+) p99_us=([\d.]+)", line)
            if m:
                timing[m.group(1)] = (float(m.group(2)), float(m.group(3)))
        # The in-process number closest to ours: what the engine reports for the query.
        label = next((k for k in ("groonga_reported", "query", "sqlite") if k in timing), next(iter(timing), None))
        results[peer] = {"build_s": build_s, "index_bytes": du(pdir),
                         "p50_us": timing[label][0] if label else None,
                         "p99_us": timing[label][1] if label else None, "timing": label}
        if not os.environ.get("KEEP_PEERS"):
            shutil.rmtree(pdir, ignore_errors=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated entry counts")
    parser.add_argument("--queries", type=int, default=300, help="localgovFAQ dev queries used")
    parser.add_argument("--peers", type=int, default=0, help="also run the peers up to this size")
    parser.add_argument("--keep", action="store_true", help="keep generated corpora and indexes")
    args = parser.parse_args()
    if not os.path.isfile(os.path.join(LOCALGOV, "faq.jsonl")):
        sys.exit(f"SKIPPED: {LOCALGOV} is absent (the scaler grows localgovFAQ text)")
    if not os.access(FAQ, os.X_OK):
        sys.exit("build first: cargo build --release")
    os.makedirs(OUT, exist_ok=True)
    results_path = os.path.join(OUT, "results.json")
    results = json.load(open(results_path)) if os.path.exists(results_path) else {}
    qs = queries(args.queries)
    for n in (int(s) for s in args.sizes.split(",")):
        folder = os.path.join(OUT, str(n))
        os.makedirs(folder, exist_ok=True)
        corpus, index = os.path.join(folder, "faq.jsonl"), os.path.join(folder, "index")
        print(f"[{n}] generating", file=sys.stderr, flush=True)
        generate(n, corpus)
        print(f"[{n}] building", file=sys.stderr, flush=True)
        wall, peak = build(corpus, index)
        p50, p99 = in_process_latency(index, qs)
        record = {"entries": n, "corpus_bytes": os.path.getsize(corpus), "build_s": wall,
                  "build_entries_per_s": n / wall, "build_peak_rss": peak, "index_bytes": du(index),
                  "query_p50_us": p50, "query_p99_us": p99, "queries": len(qs)}
        print(f"[{n}] serving", file=sys.stderr, flush=True)
        record.update(server(index, qs))
        if args.peers >= n:
            print(f"[{n}] peers", file=sys.stderr, flush=True)
            record["peers"] = peers(corpus, folder, qs if n < 100_000 else qs[:100])
        record["machine"] = f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') >> 30} GiB"
        record["measured"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        results[str(n)] = record
        json.dump(results, open(results_path, "w"), indent=1)
        print(json.dumps(record), flush=True)
        if not args.keep:
            shutil.rmtree(index, ignore_errors=True)
    print("\n| entries | build entries/s | build peak RSS | index size | query p50 | query p99 | HTTP p50 | HTTP p99 | server RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key in sorted(results, key=int):
        r = results[key]
        print(f"| {r['entries']:,} | {r['build_entries_per_s']:,.0f} | {r['build_peak_rss'] / 2**20:,.0f} MiB | "
              f"{r['index_bytes'] / 2**20:,.1f} MiB | {r['query_p50_us']:,.0f} µs | {r['query_p99_us']:,.0f} µs | "
              f"{r['http_p50_us']:,.0f} µs | {r['http_p99_us']:,.0f} µs | {r['server_rss_end'] / 2**20:,.0f} MiB |")


if __name__ == "__main__":
    main()
