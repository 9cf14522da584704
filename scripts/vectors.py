#!/usr/bin/env python3
"""Regenerates crates/faq-core/data/vectors.bin, the static word-vector table of the
semantic path (crates/faq-core/src/semantic.rs), from chiVe vectors as the PyPI wheel
ja_ginza 5.3.0 ships them (folder ja_ginza/ja_ginza-5.3.0/vocab/, spaCy format: `vectors`
a .npy of 20,000 x 300 float32 rows, `key2row` msgpack {MurmurHash64A(word): row},
`strings.json` the words). No spaCy is needed: the files are read directly.

Steps:
1. every chiVe word with a vector, plus fallbacks that reach chiVe's spelling from the
   analyzer's (a hiragana word's katakana form and back; SudachiDict's normalized form of an
   IPADIC word, chiVe's own keys: 子ども → 子供, 出せる → 出す; the katakana reading of an
   IPADIC noun written in kanji, so イノシシ reaches 猪), written as
   `word<TAB>row<TAB>priority`;
2. `cargo run --example vector_keys` turns each word into the analyzer's own term (the
   base-form term the index holds) and keeps, per term, the best candidate (lowest
   priority, then the most frequent row); only terms of IPADIC's vocabulary (the analyzer's
   terms of its entries' base forms) are kept, and a term the analyzer does not give back for
   itself keeps the word it came from (a test checks every key against the analyzer);
3. the rows in use are projected on their first DIM principal axes (fitted on the rows in
   use), quantised to int8 with a per-row scale, and written with the sorted terms.

    pip install numpy msgpack sudachipy==0.7.0 sudachidict_core==20261015
    pip download --no-deps ja_ginza==5.3.0 -d /tmp/ginza
    scripts/vectors.py /tmp/ginza/ja_ginza-5.3.0-py3-none-any.whl [--dim 300]
"""

import argparse
import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile

import msgpack
import numpy as np
from sudachipy import dictionary, tokenizer

WHEEL_SHA256 = "ac6479a805c5c5c23c270554934c1c1f344039560ef3a7e4b15a4275bea3c685"
VOCAB = "ja_ginza/ja_ginza-5.3.0/vocab/"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates/faq-core/data/vectors.bin")
IPADIC = os.path.join(ROOT, "crates/faq-core/data/mecab-ipadic-2.7.0-20070801.tar.zst")
MAGIC = b"FAQVEC02"

M = 0xC6A4A7935BD1E995
MASK = (1 << 64) - 1


def murmur64a(data: bytes, seed: int = 1) -> int:
    """MurmurHash64A, spaCy's string hash (seed 1)."""
    h = (seed ^ (len(data) * M)) & MASK
    blocks = len(data) // 8
    for i in range(blocks):
        k = int.from_bytes(data[i * 8:i * 8 + 8], "little")
        k = (k * M) & MASK
        k ^= k >> 47
        k = (k * M) & MASK
        h ^= k
        h = (h * M) & MASK
    tail = data[blocks * 8:]
    if tail:
        for i in range(len(tail) - 1, -1, -1):
            h ^= tail[i] << (8 * i)
        h = (h * M) & MASK
    h ^= h >> 47
    h = (h * M) & MASK
    h ^= h >> 47
    return h


def hira_to_kata(s):
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in s)


def kata_to_hira(s):
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in s)


def all_in(s, lo, hi):
    return bool(s) and all(lo <= c <= hi or c == "ー" for c in s)


def ipadic_entries():
    """(file, surface, base form, katakana reading) of every IPADIC entry, from the archive
    the engine ships."""
    raw = subprocess.run(["zstd", "-d", "-c", "--long=27", IPADIC], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        for member in tar:
            if not member.name.endswith(".csv"):
                continue
            for line in tar.extractfile(member).read().decode("euc_jp").splitlines():
                fields = line.split(",")
                if len(fields) >= 12:
                    yield member.name, fields[0], fields[10], fields[11]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("wheel")
    parser.add_argument("--dim", type=int, default=300)
    args = parser.parse_args()
    digest = hashlib.sha256(open(args.wheel, "rb").read()).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"{args.wheel}: sha256 {digest}, expected {WHEEL_SHA256} (ja_ginza 5.3.0)")
    with zipfile.ZipFile(args.wheel) as wheel:
        key2row = msgpack.unpackb(wheel.read(VOCAB + "key2row"), strict_map_key=False)
        strings = json.loads(wheel.read(VOCAB + "strings.json"))
        vectors = np.load(io.BytesIO(wheel.read(VOCAB + "vectors")))
    row_of = {}
    for word in strings:
        row = key2row.get(murmur64a(word.encode("utf-8")))
        if row is not None:
            row_of[word] = row
    print(f"chiVe words with a vector: {len(row_of):,} ({len(set(row_of.values())):,} rows)", file=sys.stderr)

    candidates = []
    for word, row in row_of.items():
        candidates.append((word, row, 0))
        if all_in(word, "\u3041", "\u3096"):
            candidates.append((hira_to_kata(word), row, 1))
        elif all_in(word, "\u30a1", "\u30fa"):
            candidates.append((kata_to_hira(word), row, 1))
    readings = 0
    vocabulary = set()
    entries = list(ipadic_entries())
    for name, surface, base, reading in entries:
        vocabulary.add(base if base != "*" else surface)
        row = row_of.get(surface)
        if name.startswith("Noun") and row is not None and reading != "*" and len(reading) >= 3 \
                and any("\u4e00" <= c <= "\u9fff" for c in surface):
            candidates.append((reading, row, 2))
            readings += 1
    # chiVe's keys are SudachiDict's normalized forms (子ども → 子供, 見つかる → 見付かる,
    # 問合せ → 問い合わせ, 出せる → 出す): an IPADIC word that Sudachi reads as one word
    # reaches the vector of its normalized form.
    normalized = 0
    sudachi = dictionary.Dictionary(dict="core").create()
    mode = tokenizer.Tokenizer.SplitMode.C
    for word in sorted(vocabulary):
        if word in row_of or not word or len(word) > 32:
            continue
        morphemes = sudachi.tokenize(word, mode)
        if len(morphemes) == 1 and morphemes[0].surface() == word:
            row = row_of.get(morphemes[0].normalized_form())
            if row is not None:
                candidates.append((word, row, 1))
                normalized += 1
    print(f"candidates: {len(candidates):,} ({readings:,} from IPADIC readings, {normalized:,} from Sudachi's "
          f"normalized forms)", file=sys.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        words = os.path.join(tmp, "words.tsv")
        with open(words, "w", encoding="utf-8") as out:
            for word, row, priority in candidates:
                if "\t" not in word and "\n" not in word:
                    out.write(f"{word}\t{row}\t{priority}\n")
        allowed = os.path.join(tmp, "ipadic.txt")
        with open(allowed, "w", encoding="utf-8") as out:
            for word in sorted(vocabulary):
                if "\n" not in word:
                    out.write(word + "\n")
        keys = subprocess.run(
            ["cargo", "run", "--quiet", "--release", "-p", "faq-core", "--example", "vector_keys", words, allowed],
            check=True, capture_output=True, cwd=ROOT,
        ).stdout.decode("utf-8")
    rows_of_keys = [line.split("\t") for line in keys.splitlines() if line]
    pairs = [(t, int(r)) for t, r, _ in rows_of_keys]
    sources = [(i, src) for i, (_, _, src) in enumerate(rows_of_keys) if src]
    terms = [t for t, _ in pairs]
    used = sorted({r for _, r in pairs})
    print(f"terms with a vector: {len(terms):,} ({len(used):,} distinct rows)", file=sys.stderr)

    matrix = vectors[used].astype(np.float64)
    dim = min(args.dim, matrix.shape[1])
    if dim < matrix.shape[1]:
        centred = matrix - matrix.mean(axis=0)
        _, _, axes = np.linalg.svd(centred, full_matrices=False)
        matrix = matrix @ axes[:dim].T
    scales = np.abs(matrix).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    quantised = np.clip(np.rint(matrix / scales[:, None]), -127, 127).astype(np.int8)
    new_row = {r: i for i, r in enumerate(used)}

    blob = bytearray()
    offsets = [0]
    for term in terms:
        blob += term.encode("utf-8")
        offsets.append(len(blob))
    source_blob = bytearray()
    source_index = []
    for key, src in sources:
        start = len(source_blob)
        source_blob += src.encode("utf-8")
        source_index.append((key, start, len(source_blob)))
    print(f"keys kept with their source word: {len(sources):,}", file=sys.stderr)
    with open(OUT, "wb") as out:
        out.write(MAGIC)
        out.write(struct.pack("<5I", dim, len(terms), len(used), len(blob), len(sources)))
        out.write(np.asarray(offsets, dtype="<u4").tobytes())
        out.write(np.asarray([new_row[r] for _, r in pairs], dtype="<u2").tobytes())
        out.write(scales.astype("<f4").tobytes())
        out.write(quantised.tobytes())
        out.write(bytes(blob))
        for entry in source_index:
            out.write(struct.pack("<3I", *entry))
        out.write(bytes(source_blob))
    print(f"wrote {OUT}: {os.path.getsize(OUT):,} bytes, dim {dim}", file=sys.stderr)


if __name__ == "__main__":
    main()
