"""Costly valid searches against `faq serve` on localgovFAQ (issue #15, RELIABILITY.md 5a).

    python3 benches/hostile/costly.py BINARY [retry]

64 clients send a 1,000-character question with explain=true&limit=100 for 10 s (with
`retry`, a client that gets 503 waits as Retry-After says) while a short query is timed;
prints the costly responses by status, the short query's p50/p99 and the server's CPU in
the 5 s after the clients stop.
"""
import subprocess, sys, time, re, threading, urllib.request, urllib.parse, statistics, os, random

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_common import SHARED, start

RETRY=len(sys.argv)>2; binary=os.path.abspath(sys.argv[1]); L=os.path.join(SHARED, 'faq.jsonl')
lines=[l.split('\t')[1] for l in open(os.path.join(SHARED, 'queries.test.tsv'), encoding='utf-8') if l.strip()]
random.seed(15); long=''
while len(long) < 1000: long += random.choice(lines)
long=long[:1000]
p, addr = start([binary,'serve','--addr','127.0.0.1:0','--corpus',L])
costly=f'http://{addr}/api/search?explain=true&limit=100&q='+urllib.parse.quote(long)
short=f'http://{addr}/api/search?q='+urllib.parse.quote('住民票')
stop=time.time()+10; codes={}
def client():
    while time.time()<stop:
        try: urllib.request.urlopen(costly,timeout=30).read(); c=200
        except urllib.error.HTTPError as e:
            c=e.code
            if c==503 and RETRY: time.sleep(float(e.headers.get('Retry-After','1')))
        except Exception: c='err'
        codes[c]=codes.get(c,0)+1
ts=[threading.Thread(target=client) for _ in range(64)]
[t.start() for t in ts]
lat=[]
while time.time()<stop:
    t=time.time()
    try: urllib.request.urlopen(short,timeout=30).read()
    except Exception: pass
    lat.append((time.time()-t)*1000); time.sleep(0.05)
[t.join() for t in ts]
def cpu(): 
    f=open(f'/proc/{p.pid}/stat').read().split(); return (int(f[13])+int(f[14]))/os.sysconf('SC_CLK_TCK')
c0=cpu(); time.sleep(5); c1=cpu()
lat.sort()
print('costly responses', codes, f'short p50 {statistics.median(lat):.1f} ms p99 {lat[int(len(lat)*0.99)-1]:.1f} ms (n={len(lat)})', f'cpu in the 5 s after the clients left: {c1-c0:.2f} s')
p.terminate(); p.wait()
