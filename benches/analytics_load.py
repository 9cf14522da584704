#!/usr/bin/env python3
"""Searches per second with analytics on against off (issue #18's target: on ≥ 90 % of off,
and no event dropped at that load), on the seed corpus.

Rounds alternate off, on, off, on, … (this VM is noisy: alternation spreads the noise over
both), each a fresh `faq serve` driven by wrk with queries varied by a Lua script (every
search is recorded: the settled query a box logs). After each "on" round the server's
/metrics say how many events were recorded and dropped.

    cargo build --release && python3 benches/analytics_load.py [--rounds 3 --seconds 10]
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httpbench import free_port, start_faq, wrk  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUERIES = ["領収書を発行してほしい", "注文をキャンセルしたい", "商品が届かない", "返金はいつ", "同梱できますか",
           "配送先を変更したい", "保留中の注文とは", "天気はどう？", "出品したい", "コンビニ決済"]


def metric(port, name):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    found = re.search(rf"^{name} (\d+)", text, re.M)
    return int(found.group(1)) if found else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(REPO, "target/release/faq"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="faq-analytics-load-")
    try:
        shutil.copytree(os.path.join(REPO, "corpus"), os.path.join(work, "corpus"))
        subprocess.run([args.binary, "index"], cwd=work, check=True, capture_output=True)
        script = os.path.join(work, "queries.lua")
        paths = ", ".join(f'"/api/search?q={urllib.parse.quote(q)}&view=compact&limit=6"' for q in QUERIES)
        with open(script, "w") as f:
            f.write(f"local paths = {{{paths}}}\nlocal i = 0\n"
                    "request = function()\n  i = i + 1\n  return wrk.format('GET', paths[i % #paths + 1])\nend\n")
        results = {"off": [], "on": []}
        drops, recorded = [], []
        for round_ in range(args.rounds):
            for mode in ("off", "on"):
                port = free_port()
                extra = ["--no-analytics"] if mode == "off" else ["--analytics", os.path.join(work, f"a{round_}.sqlite")]
                server = start_faq(args.binary, work, port, extra)
                try:
                    rps, p50, p99, non2xx, sockets = wrk(f"http://127.0.0.1:{port}/", args.seconds, args.connections, script)
                    results[mode].append(rps)
                    line = f"round {round_ + 1} analytics {mode:3}: {rps:9.0f} req/s  p50 {p50:>8}  p99 {p99:>8}  non-2xx {non2xx}"
                    if mode == "on":
                        time.sleep(1.5)  # the writer's last batch
                        drops.append(metric(port, "faq_analytics_events_dropped_total"))
                        recorded.append(metric(port, "faq_analytics_events_recorded_total"))
                        line += f"  recorded {recorded[-1]}  dropped {drops[-1]}"
                    print(line, flush=True)
                finally:
                    server.terminate()
                    server.wait()
        off, on = statistics.median(results["off"]), statistics.median(results["on"])
        print(f"\nmedian req/s: off {off:.0f}, on {on:.0f}; on/off = {on / off:.3f} (target ≥ 0.90); "
              f"dropped events: {sum(d or 0 for d in drops)} of {sum(r or 0 for r in recorded) + sum(d or 0 for d in drops)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
