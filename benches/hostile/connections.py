"""Silent or slow-header connections against `faq serve` (issue #15, RELIABILITY.md 5a).

    python3 benches/hostile/connections.py BINARY CONNECTIONS HEADER_BYTES

Runs BINARY serve under `ulimit -n 1024` on a copy of corpus/ in /tmp/probe, opens
CONNECTIONS connections that each send HEADER_BYTES of an unfinished header (0: silent),
then prints RSS, open fds and a probe request's result and latency, again 12 s later, and
how long SIGTERM takes.
"""
import socket, subprocess, sys, time, re, os, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_common import SHARED, start

binary=os.path.abspath(sys.argv[1]); n=int(sys.argv[2]); size=int(sys.argv[3])
p, addr = start(['sh','-c',f'ulimit -n 1024; exec {binary} serve --addr 127.0.0.1:0'])
host,port=addr.split(':'); port=int(port)
def rss(): 
    return int(re.search(r'VmRSS:\s+(\d+)',open(f'/proc/{p.pid}/status').read()).group(1))//1024
def fds(): return len(os.listdir(f'/proc/{p.pid}/fd'))
def probe():
    t=time.time()
    try:
        urllib.request.urlopen(f'http://{addr}/api/search?q=%E9%A0%98%E5%8F%8E%E6%9B%B8',timeout=30).read(); ok='ok'
    except Exception as e: ok=f'fail {type(e).__name__}'
    return ok, round((time.time()-t)*1000,1)
print('start rss MB',rss(),'fds',fds(),'probe',probe())
socks=[]
for i in range(n):
    try:
        s=socket.create_connection((host,port),timeout=5); socks.append(s)
        if size: s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\nX-Pad: '+b'a'*size)
    except Exception as e:
        pass
time.sleep(1)
print(f'{n} connections x {size} B header: rss MB',rss(),'fds',fds(),'probe',probe())
time.sleep(11)
print('after 12 s: rss MB',rss(),'fds',fds(),'probe',probe())
p.terminate(); t=time.time()
try: p.wait(timeout=30); print('SIGTERM -> exit in', round(time.time()-t,1),'s')
except subprocess.TimeoutExpired: print('SIGTERM: still running after 30 s'); p.kill()
