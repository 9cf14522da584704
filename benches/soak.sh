#!/usr/bin/env bash
# Soak (issue #5): `faq serve --watch` under wrk load on loopback while the corpus is edited
# over and over (new entry, entry removed, a broken edit that must be refused, SIGHUP).
# Passes when wrk saw no socket errors, no timeouts and no non-2xx answers. Reports the
# server's RSS and open file descriptors at the start and the end, and how many reloads
# succeeded and were refused.
#
#   cargo build --release && benches/soak.sh [seconds=300] [connections=64]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
connections=${2:-64}
faq=target/release/faq
[ -x "$faq" ] || { echo "build first: cargo build --release" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp corpus/order-management.md corpus/synonyms.txt "$work/corpus/"
page="$work/corpus/order-management.md"
cp "$page" "$work/original.md"
port=18181
(cd "$work" && exec "$OLDPWD/$faq" serve --watch --addr 127.0.0.1:$port 2>"$work/server.log") &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

cat >"$work/queries.lua" <<'LUA'
local queries = {
  "%E9%A0%98%E5%8F%8E%E6%9B%B8%E3%82%92%E5%87%BA%E3%81%97%E3%81%A6%E3%81%BB%E3%81%97%E3%81%84",
  "%E3%82%AD%E3%83%A3%E3%83%B3%E3%82%BB%E3%83%AB",
  "%E5%95%86%E5%93%81%E3%81%8C%E5%B1%8A%E3%81%8B%E3%81%AA%E3%81%84",
  "%E3%82%8A%E3%82%87%E3%81%86%E3%81%97%E3%82%85%E3%81%86%E3%81%97%E3%82%87",
  "zzqxwv",
}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/search?q=" .. queries[(n % #queries) + 1])
end
LUA

sample() { # rss_kb fds
  echo "$(awk '/VmRSS/ {print $2}' /proc/$server/status) $(ls /proc/$server/fd | wc -l)"
}
read -r rss_start fd_start < <(sample)
echo "start: RSS ${rss_start} kB, ${fd_start} open fds" >&2

wrk -t2 -c"$connections" -d"${seconds}s" --timeout 5s --latency -s "$work/queries.lua" "http://127.0.0.1:$port" >"$work/wrk.txt" 2>&1 &
load=$!

edits=0
start=$(date +%s)
while kill -0 "$load" 2>/dev/null; do
  case $((edits % 4)) in
    0) { cat "$work/original.md"; printf '\n\n### 納品書は同梱できますか？（%s）\n\n同梱は任意です。\n' "$edits"; } >"$page.tmp" && mv "$page.tmp" "$page" ;;
    1) cp "$work/original.md" "$page" ;;
    2) { cat "$work/original.md"; printf '\n\n### 答えのない質問？\n'; } >"$page.tmp" && mv "$page.tmp" "$page" ;;  # refused
    3) cp "$work/original.md" "$page"; kill -HUP "$server" ;;
  esac
  edits=$((edits + 1))
  sleep 2
  if (( edits % 15 == 0 )); then echo "  $(( $(date +%s) - start )) s: RSS/fds $(sample)" >&2; fi
done
wait "$load" || true
sleep 1
read -r rss_end fd_end < <(sample)

cat "$work/wrk.txt"
reloaded=$(grep -c "index reloaded" "$work/server.log" || true)
refused=$(grep -c "reload failed" "$work/server.log" || true)
echo
echo "edits: $edits; reloads: $reloaded succeeded, $refused refused (broken corpus, old index kept)"
echo "server RSS: ${rss_start} kB at start, ${rss_end} kB at the end"
echo "open fds:   ${fd_start} at start, ${fd_end} at the end"
errors=$(grep -E "Socket errors|Non-2xx" "$work/wrk.txt" || true)
if [ -n "$errors" ]; then echo "FAILED: $errors"; exit 1; fi
echo "PASSED: no socket errors, no timeouts, no non-2xx responses"
