#!/usr/bin/env python3
"""One client floods `POST /api/events` (valid events, one id the index has) while a search
box searches: how much the analytics store grows, how many events were refused, and the
searches' p99 with and without the flood, in one run of one server.

Phases, each `--seconds` long (15 by default), on the seed corpus with analytics on:
  1. quiet: a search box searching at `--rate` searches a second (one keep-alive
     connection, `log=true` as a settled query), alone;
  2. flood: the same box while one client (wrk, one thread, `--flood-connections`) posts
     events as fast as it can.
The box's latencies are measured request by request (p50, p99); the store after each phase.

    cargo build --release && python3 benches/analytics_flood.py [--seconds 15]

Targets (issue #29): the store grows < 16 MB in a 15 s flood and stores no event for an
unknown id; search p99 under the flood within 2x of p99 without it.
"""

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import http.client
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httpbench import free_port, start_faq  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wrk1(url, seconds, connections, script):
    """Requests a second of one wrk thread (one client) with `connections` connections."""
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", script, url], capture_output=True, text=True, check=True).stdout
    import re
    return (float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),)


def store_size(path):
    if not os.path.exists(path):
        return 0, 0
    db = sqlite3.connect(path, timeout=30)
    rows = sum(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("searches", "opens", "feedback"))
    db.close()
    return os.path.getsize(path), rows


def paced_searches(port, path, seconds, rate):
    """Latencies (ms) of searches sent at `rate` a second on one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    latencies, start = [], time.perf_counter()
    for n in range(int(seconds * rate)):
        due = start + n / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        sent = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - sent) * 1000)
        assert response.status == 200, response.status
    connection.close()
    latencies.sort()
    return latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)], len(latencies)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(REPO, "target/release/faq"))
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rate", type=int, default=200, help="the box's searches a second")
    parser.add_argument("--flood-connections", type=int, default=4)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="faq-flood-")
    try:
        shutil.copytree(os.path.join(REPO, "corpus"), os.path.join(work, "corpus"))
        subprocess.run([args.binary, "index"], cwd=work, check=True, capture_output=True)
        store = os.path.join(work, "analytics.sqlite")
        port = free_port()
        server = start_faq(args.binary, work, port, ["--analytics", store])
        base = f"http://127.0.0.1:{port}"
        try:
            q = urllib.parse.quote("領収書を発行したい")
            hit = json.load(urllib.request.urlopen(f"{base}/api/search?q={q}&view=compact&log=false"))["hits"][0]["id"]
            event = json.dumps({"type": "feedback", "id": hit, "helpful": True, "query": "x" * 900})
            lua = os.path.join(work, "flood.lua")
            with open(lua, "w") as f:
                f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                        f"wrk.body = {json.dumps(event)}\n")
            unknown = json.dumps({"type": "open", "id": "no-such-entry", "rank": 1, "query": "x"}).encode()
            request = urllib.request.Request(f"{base}/api/events", data=unknown, headers={"Content-Type": "application/json"})
            try:
                urllib.request.urlopen(request)
                unknown_status = 204
            except urllib.error.HTTPError as e:
                unknown_status = e.code
            search_path = f"/api/search?q={q}&view=compact&log=true"
            quiet = paced_searches(port, search_path, args.seconds, args.rate)
            before = store_size(store)
            flood = {}
            flooder = threading.Thread(target=lambda: flood.update(r=wrk1(f"{base}/api/events", args.seconds + 1, args.flood_connections, lua)))
            flooder.start()
            time.sleep(0.5)
            loaded = paced_searches(port, search_path, args.seconds, args.rate)
            flooder.join()
            metrics = urllib.request.urlopen(f"{base}/metrics").read().decode()
            refused = next((line.split()[-1] for line in metrics.splitlines() if line.startswith('faq_analytics_events_refused_total{reason="rate"}')), "?")
        finally:
            server.terminate()
            server.wait()
        after = store_size(store)
        unknown_rows = sqlite3.connect(store).execute("SELECT COUNT(*) FROM opens WHERE entry = 'no-such-entry'").fetchone()[0]
        print(f"| phase | searches | search p50 | search p99 |\n|---|---|---|---|")
        print(f"| quiet | {quiet[2]} at {args.rate}/s | {quiet[0]:.2f} ms | {quiet[1]:.2f} ms |")
        print(f"| one client flooding events ({args.flood_connections} connections) | {loaded[2]} at {args.rate}/s | {loaded[0]:.2f} ms | {loaded[1]:.2f} ms |")
        print(f"\np99 under the flood / quiet: {loaded[1] / quiet[1]:.2f}x (target <= 2)")
        print(f"\nflood: {flood['r'][0]:.0f} events/s sent, {refused} refused (429) in all;"
              f" store {before[0]} -> {after[0]} bytes ({(after[0] - before[0]) / 1e6:.2f} MB), rows {before[1]} -> {after[1]};"
              f" an event for an unknown id answered {unknown_status}, stored {unknown_rows} times")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
