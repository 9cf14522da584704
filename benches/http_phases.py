#!/usr/bin/env python3
"""Instructions per HTTP search, split into the search, its JSON and the rest of the server
(callgrind: repeatable on a noisy VM; the kernel's TCP path is not counted).

For each binary given: `faq serve --no-analytics` under callgrind on the seed corpus (and
localgovFAQ when ../shared has it), one keep-alive connection, every dev query once to warm
up, then the counters zeroed and every dev query sent twice in the search box's view
(`view=compact&limit=6`). Per request = the counts of that second part / requests. Also
checks that every binary answers the same, byte for byte but `took_ms`.

    cargo build --release && python3 benches/http_phases.py target/release/faq
    python3 benches/http_phases.py BEFORE_BIN AFTER_BIN     # before/after, same run
    FAQ_BENCH_KEEP=/tmp/dir python3 benches/http_phases.py BIN  # keep the callgrind files
    python3 benches/http_phases.py --gzip BIN                   # as a browser asks: gzip

Needs valgrind; prints a Markdown table.
"""
import glob
import gzip
import hashlib
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httpbench import free_port  # noqa: E402
from phases import inclusive  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCALGOV = os.path.join(ROOT, "..", "shared", "datasets", "localgovfaq")
SEARCH = "faq_query::searcher::FaqSearcher::search_using"
# The response written as JSON: by axum's `Json` (serde_json and the derives inlined into
# it) before 2026-12-04, by hand (`faq_query::json`) since.
JSON = ["<axum::json::Json<T> as axum_core::response::into_response::IntoResponse>::into_response",
        "faq_query::json::<impl faq_query::response::CompactResponse>::to_json"]


def queries(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t")[1] for line in f if line.strip() and not line.startswith("#")]


# `--gzip`: ask for gzip as a browser does (the server compresses the response).
HEADERS = {"Accept-Encoding": "gzip"} if "--gzip" in sys.argv else {}


def send_all(connection, texts, digest=None):
    for text in texts:
        connection.request("GET", f"/api/search?q={urllib.parse.quote(text)}&view=compact&limit=6", headers=HEADERS)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{response.status} for {text!r}: {body[:200]!r}")
        if digest is not None:
            if response.getheader("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            digest.update(re.sub(rb'"took_ms":[0-9.e-]+', b'"took_ms":0', body))


def measure(binary, corpus, texts, work, tag):
    cwd = os.path.join(work, tag)
    os.makedirs(cwd)
    target = os.path.join(cwd, "corpus")
    if os.path.isdir(corpus):
        shutil.copytree(corpus, target)
    else:
        os.makedirs(target)
        shutil.copy(corpus, target)
    subprocess.run([binary, "index", "--corpus", target, "--index", os.path.join(cwd, "index")],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=cwd)
    port = free_port()
    out = os.path.join(cwd, "cg")
    server = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, "serve",
                               "--addr", f"127.0.0.1:{port}", "--no-analytics", "--corpus", target,
                               "--index", os.path.join(cwd, "index")],
                              cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "RUST_LOG": "warn"})
    try:
        for _ in range(1200):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                break
            except OSError:
                time.sleep(0.25)
        else:
            raise SystemExit("faq serve did not start under callgrind")
        send_all(connection, texts)
        subprocess.run(["callgrind_control", "--zero", str(server.pid)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        digest = hashlib.md5()
        send_all(connection, texts * 2, digest)
        subprocess.run(["callgrind_control", "--dump", str(server.pid)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        connection.close()
    finally:
        server.terminate()
        server.wait()
    dump = sorted(glob.glob(out + ".*"))[0]
    counts = inclusive(dump)
    n = 2 * len(texts)
    # A part whose function the compiler inlined into its caller has no count of its own:
    # shown as such, and counted with the rest.
    row = {"search (inside took_ms)": counts.get(SEARCH, 0) / n or None, "JSON": sum(counts.get(name, 0) for name in JSON) / n or None}
    row["HTTP, routing, middleware"] = counts["total"] / n - sum(v for v in row.values() if v)
    row["total"] = counts["total"] / n
    return row, digest.hexdigest()


def main():
    binaries = [a for a in sys.argv[1:] if a != "--gzip"] or [os.path.join(ROOT, "target", "release", "faq")]
    corpora = [("seed", os.path.join(ROOT, "corpus"), queries(os.path.join(ROOT, "tests/data/seed_dev/queries.tsv")))]
    if os.path.exists(os.path.join(LOCALGOV, "faq.jsonl")):
        corpora.append(("localgovFAQ", os.path.join(LOCALGOV, "faq.jsonl"), queries(os.path.join(LOCALGOV, "queries.dev.tsv"))))
    else:
        print(f"localgovFAQ skipped: {LOCALGOV} is absent")
    keep = os.environ.get("FAQ_BENCH_KEEP")  # a folder to keep the callgrind files in
    with tempfile.TemporaryDirectory(prefix="faq-http-phases-") as temporary:
        work = keep or temporary
        for name, corpus, texts in corpora:
            rows = [measure(binary, corpus, texts, work, f"{name}.{i}") for i, binary in enumerate(binaries)]
            print(f"\ninstructions per request, {name}: {len(texts)} dev queries twice, compact view, one connection"
                  + (", gzip asked for" if HEADERS else "") + "\n")
            print("| part | " + " | ".join(os.path.basename(os.path.dirname(b)) + "/" + os.path.basename(b) for b in binaries) + " |")
            print("|---|" + "---:|" * len(binaries))
            for part in rows[0][0]:
                bold = "**" if part == "total" else ""
                print(f"| {bold}{part}{bold} | " + " | ".join("inlined" if row[part] is None else f"{row[part] / 1000:,.0f}K" for row, _ in rows) + " |")
            digests = {digest for _, digest in rows}
            print("\nresponses (md5 but took_ms): " + ", ".join(d[:12] for _, d in rows)
                  + ("" if len(digests) == 1 else "  ** the binaries answer differently **"))


if __name__ == "__main__":
    main()
