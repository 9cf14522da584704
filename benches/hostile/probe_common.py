"""What the hostile-client probes share: where the repository and ../shared are, a scratch
copy of corpus/ in /tmp/probe, and starting `faq serve` on a free port."""
import os, re, shutil, subprocess, sys, threading

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(REPO, '..', 'shared', 'datasets', 'localgovfaq')
PROBE = '/tmp/probe'


def start(command):
    """Runs `command` (a `faq serve --addr 127.0.0.1:0 …`) in PROBE; returns (process, host:port)."""
    if not os.path.isdir(os.path.join(PROBE, 'corpus')):
        os.makedirs(PROBE, exist_ok=True)
        shutil.copytree(os.path.join(REPO, 'corpus'), os.path.join(PROBE, 'corpus'))
    p = subprocess.Popen(command, cwd=PROBE, stderr=subprocess.PIPE, text=True)
    while True:
        line = p.stderr.readline()
        if not line:
            sys.exit(f'{command} did not start')
        m = re.search(r'serving on http://([0-9.:]+)/', line)
        if m:
            break
    threading.Thread(target=lambda: [None for _ in p.stderr], daemon=True).start()
    return p, m.group(1)
