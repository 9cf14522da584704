"""What the HTTP benchmarks share: a free loopback port, a `faq serve` started on it, and
one wrk run read back as numbers."""

import os
import re
import socket
import subprocess
import time
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wrk(url, seconds, connections, script=None):
    """(req/s, p50, p99, non-2xx responses, socket errors) of one wrk run on two threads;
    `script` is a wrk Lua script (e.g. one that varies the query)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *(["-s", script] if script else []), url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return rps, p50, p99, (errors.group(1) if errors else "0"), (socket_errors.group(1) if socket_errors else "none")


def start_faq(binary, cwd, port, extra=(), env=None):
    """`faq serve` on 127.0.0.1:port in cwd, once it answers /healthz."""
    process = subprocess.Popen([binary, "serve", "--addr", f"127.0.0.1:{port}", *extra], cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "RUST_LOG": "warn", **(env or {})})
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("faq serve did not start")
