#!/usr/bin/env bash
# Scale-out on loopback (issue #6): one immutable index built once, two stateless
# `faq serve` replicas opening it, nginx balancing between them, and a rolling reload
# (rebuild once, then SIGHUP replica 1, wait until it serves the new entry, then replica 2)
# while wrk keeps loading the balancer. Passes when wrk saw no errors and no non-2xx, and
# both replicas end up serving the new entry.
#
#   apt-get install nginx wrk && cargo build --release && benches/scale_out.sh [seconds=30]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
faq=$PWD/target/release/faq
[ -x "$faq" ] || { echo "build first: cargo build --release" >&2; exit 2; }
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "nginx is missing: apt-get install nginx" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() {
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/corpus" "$work/nginx"
cp corpus/order-management.md corpus/synonyms.txt "$work/corpus/"

# 1. Build the index once; every replica opens the same generation read-only.
"$faq" index --corpus "$work/corpus" --index "$work/index"

# 2. Two replicas.
for n in 1 2; do
  "$faq" serve --index "$work/index" --synonyms "$work/corpus/synonyms.txt" --addr "127.0.0.1:1820$n" 2>"$work/replica$n.log" &
  pids+=($!)
done
for n in 1 2; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:1820$n/healthz" >/dev/null && break; sleep 0.1; done
done

# 3. nginx in front (round robin, keep-alive to the upstreams).
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  upstream faq {
    server 127.0.0.1:18201 max_fails=0;
    server 127.0.0.1:18202 max_fails=0;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:18200;
    location / {
      proxy_pass http://faq;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout http_502 http_503;
    }
  }
}
CONF
"$nginx" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:18200/healthz" >/dev/null && break; sleep 0.1; done

query=$(python3 -c "import urllib.parse;print(urllib.parse.quote('領収書を出してほしいと言われた'))")
new=$(python3 -c "import urllib.parse;print(urllib.parse.quote('納品書'))")
top() { curl -sf "http://127.0.0.1:$1/api/search?q=$new&limit=1" | python3 -c "import json,sys;h=json.load(sys.stdin)['hits'];print(h[0]['question'] if h else '-')"; }
echo "before: replica 1 → $(top 18201), replica 2 → $(top 18202)"

# 4. Load through the balancer while the reload rolls out.
wrk -t2 -c64 -d"${seconds}s" --latency "http://127.0.0.1:18200/api/search?q=$query" >"$work/wrk.txt" 2>&1 &
load=$!
started=$(date +%s)
sleep $((seconds / 4))
printf '\n\n### 納品書は同梱できますか？\n\n納品書の同梱は任意です。\n' >>"$work/corpus/order-management.md"
"$faq" index --corpus "$work/corpus" --index "$work/index"   # a new generation, published atomically
for n in 1 2; do
  kill -HUP "${pids[$((n - 1))]}"
  for _ in $(seq 100); do [ "$(top 1820$n)" = "納品書は同梱できますか？" ] && break; sleep 0.1; done
  echo "replica $n reloaded $(( $(date +%s) - started )) s into the load: $(top 1820$n)"
  sleep $((seconds / 4))
done
wait "$load" || true

cat "$work/wrk.txt"
echo "after: replica 1 → $(top 18201), replica 2 → $(top 18202)"
per_replica() { grep -c "finished processing request" "$work/replica$1.log" || true; }
echo "requests logged: replica 1 $(per_replica 1), replica 2 $(per_replica 2)"
failed=$(grep -E "Socket errors|Non-2xx" "$work/wrk.txt" || true)
[ "$(top 18201)" = "納品書は同梱できますか？" ] && [ "$(top 18202)" = "納品書は同梱できますか？" ] || { echo "FAILED: a replica did not reload"; exit 1; }
[ -z "$failed" ] || { echo "FAILED: $failed"; exit 1; }
echo "PASSED: two replicas behind nginx, rolling reload, no failed requests"
