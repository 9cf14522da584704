#!/usr/bin/env python3
"""Instructions per warm localgovFAQ query, phase by phase (callgrind: repeatable on a noisy VM).

For each binary given, runs `faq search --batch --json` under callgrind over the 367 localgovFAQ
dev queries once and twice; warm = (twice - once) / 367, so start-up and the first decoding of
each entry cancel out (a running server's state). Runs in an empty folder (a `corpus/` folder in the
working directory would bring its synonyms). Each phase is the inclusive count of the
function that does it (`callgrind_annotate --inclusive=yes`); "hits, combination, decision" is
what `search_using` (the work inside `took_ms`) spends outside the named phases. Also checks that
every binary writes the same output, byte for byte but `took_ms`.

    cargo build --release && python3 benches/phases.py target/release/faq
    python3 benches/phases.py BEFORE_BIN AFTER_BIN     # a before/after table, same run

Needs valgrind and ../shared/datasets/localgovfaq; prints a Markdown table.
"""
import hashlib
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "datasets", "localgovfaq")

# Phase name -> the functions whose inclusive counts make it (summed).
PHASES = [
    ("analysis", ["faq_core::analyzer::Analyzer::analyze"]),
    ("plan", ["faq_query::plan::Plan::new"]),
    # Each phase's function under the module path of its day (faq-query was shelved by stage
    # on 2026-12-08: ranker -> rank, json -> present::json); whichever a binary has counts.
    ("lexical ranking", ["faq_query::ranker::Ranker::rank", "faq_query::rank::Ranker::rank"]),
    ("semantic path", [
        "faq_query::semantic::SemanticIndex::fuse",
        "faq_query::semantic::SemanticIndex::meaning_of",
        "faq_core::semantic::words",
    ]),
]
INSIDE = "faq_query::searcher::FaqSearcher::search_using"
# serde_json and the derives before 2026-12-04; written by hand (`faq_query::json`) since.
JSON = ["faq_query::response::_::<impl serde_core::ser::Serialize for faq_query::response::SearchResponse>::serialize",
        "faq_query::json::<impl faq_query::response::SearchResponse>::write_json_with",
        "faq_query::present::json::<impl faq_query::present::response::SearchResponse>::write_json_with"]
LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(\S.*?)(?:\s+\[[^\]]*\])?\s*$")


def inclusive(out_file):
    """Function name -> its inclusive count (the largest of its per-file entries: the one of
    the file that defines it carries the calls; inlined parts are listed under their files)."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", out_file],
                          capture_output=True, text=True, check=True).stdout
    counts, total = {}, 0
    for line in text.splitlines():
        if "=>" in line:
            continue
        match = LINE.match(line)
        if not match:
            continue
        count, where = int(match.group(1).replace(",", "")), match.group(2)
        if where == "PROGRAM TOTALS":
            total = count
            continue
        function = where.split(":", 1)[1] if ":" in where else where
        counts[function] = max(counts.get(function, 0), count)
    counts["total"] = total
    return counts


def run(binary, index, queries, work, tag):
    out = os.path.join(work, f"cg.{tag}")
    with open(os.path.join(work, f"stdout.{tag}"), "wb") as stdout:
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, "search",
                        "--batch", queries, "--index", index, "--json"],
                       stdout=stdout, stderr=subprocess.DEVNULL, check=True, cwd=work)
    with open(os.path.join(work, f"stdout.{tag}"), "rb") as f:
        digest = hashlib.md5(re.sub(rb'"took_ms":[0-9.e-]+', b'"took_ms":0', f.read())).hexdigest()
    return inclusive(out), digest


def phases(binary, work, tag):
    index = os.path.join(work, f"index.{tag}")
    subprocess.run([binary, "index", "--corpus", os.path.join(DATA, "faq.jsonl"), "--index", index],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=work)
    # The first open of a generation verifies its checksums once and remembers it: not counted.
    subprocess.run([binary, "search", "--index", index, "ごみ"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False, cwd=work)
    once, _ = run(binary, index, os.path.join(work, "all.txt"), work, f"{tag}.all")
    twice, digest = run(binary, index, os.path.join(work, "twice.txt"), work, f"{tag}.twice")
    n = sum(1 for _ in open(os.path.join(work, "all.txt"), encoding="utf-8"))

    def warm(names):
        return sum(twice.get(name, 0) - once.get(name, 0) for name in names) / n

    row = {name: warm(functions) for name, functions in PHASES}
    inside = warm([INSIDE])
    row["hits, combination, decision"] = inside - sum(row.values())
    row["inside took_ms"] = inside
    row["JSON"] = warm(JSON)
    row["rest (reading, writing)"] = warm(["total"]) - inside - row["JSON"]
    row["total"] = warm(["total"])
    return row, digest


def main():
    binaries = sys.argv[1:] or [os.path.join(ROOT, "target", "release", "faq")]
    if not os.path.isdir(DATA):
        print(f"skipped: {DATA} is not there")
        return
    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(DATA, "queries.dev.tsv"), encoding="utf-8") as f:
            queries = [line.rstrip("\n").split("\t")[1] for line in f if line.strip()]
        with open(os.path.join(work, "all.txt"), "w", encoding="utf-8") as f:
            f.write("".join(q + "\n" for q in queries))
        with open(os.path.join(work, "twice.txt"), "w", encoding="utf-8") as f:
            f.write("".join(q + "\n" for q in queries) * 2)
        rows = [phases(binary, work, str(i)) for i, binary in enumerate(binaries)]
    names = list(rows[0][0])
    print(f"warm instructions per query, {len(queries)} localgovFAQ dev queries, `faq search --batch --json`\n")
    print("| phase | " + " | ".join(os.path.basename(os.path.dirname(b)) + "/" + os.path.basename(b) for b in binaries) + " |")
    print("|---|" + "---:|" * len(binaries))
    for name in names:
        cells = " | ".join(f"{row[name] / 1000:,.0f}K" for row, _ in rows)
        bold = "**" if name in ("inside took_ms", "total") else ""
        print(f"| {bold}{name}{bold} | {cells} |")
    digests = {digest for _, digest in rows}
    print("\noutput (md5 but took_ms): " + ", ".join(digest[:12] for _, digest in rows)
          + ("" if len(digests) == 1 else "  ** the binaries answer differently **"))


if __name__ == "__main__":
    main()
