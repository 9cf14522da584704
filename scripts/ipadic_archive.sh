#!/usr/bin/env bash
# Regenerates crates/faq-core/data/mecab-ipadic-2.7.0-20070801.tar.zst, the IPADIC source
# the engine ships (crates/faq-core/src/dictionary.rs), from Debian's mecab-ipadic package.
# Needs apt-get (download only, nothing is installed), GNU tar and zstd. Deterministic: the
# same .deb gives the same archive, so its SHA-256 in dictionary.rs stays valid.
#
#   scripts/ipadic_archive.sh [path/to/mecab-ipadic_2.7.0-20070801+main-3_all.deb]
set -euo pipefail
cd "$(dirname "$0")/.."
DEB_SHA256=2a59bb65193b605cec3e5540e69e7d3ce8db4624744f8686f419aa0cf3f327f2
out=crates/faq-core/data/mecab-ipadic-2.7.0-20070801.tar.zst
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
deb=${1:-}
if [ -z "$deb" ]; then
  (cd "$work" && apt-get download mecab-ipadic=2.7.0-20070801+main-3 >/dev/null)
  deb=$(ls "$work"/mecab-ipadic_*.deb)
fi
echo "$DEB_SHA256  $deb" | sha256sum -c --quiet
dpkg-deb -x "$deb" "$work/x"
src="$work/x/usr/share/mecab/dic/ipadic"
(cd "$src" && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=ustar \
   -cf "$work/ipadic.tar" *.csv char.def matrix.def unk.def)
zstd -19 --long=27 -q -f "$work/ipadic.tar" -o "$out"
echo "wrote $out"
sha256sum "$out"
echo "put that SHA-256 into EMBEDDED_SHA256 in crates/faq-core/src/dictionary.rs"
