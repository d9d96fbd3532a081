# N simulated web consoles polling what the overview polls (history every 3 s, series every 10 s, policy every 30 s) for D seconds.
# Usage: viewers.py BASE_URL N SECONDS
import http.client, sys, threading, time, urllib.parse
base, n, duration = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
svc = base + "/api/v1/services/" + (sys.argv[4] if len(sys.argv) > 4 else "webapp")
plan = [(svc + "/history", 3), (svc + "/series?range=3600", 10), (svc + "/policy", 30)]
stop = time.time() + duration
count = [0]
def viewer(offset):
    time.sleep(offset)
    # One kept-alive connection per console, as a browser tab holds.
    host = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(host.hostname, host.port)
    due = {u: time.time() for u, _ in plan}
    while time.time() < stop:
        for u, every in plan:
            if time.time() >= due[u]:
                parts = urllib.parse.urlsplit(u)
                conn.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
                conn.getresponse().read(); count[0] += 1
                due[u] += every
        time.sleep(0.05)
    conn.close()
threads = [threading.Thread(target=viewer, args=(i * 3.0 / n,)) for i in range(n)]
[t.start() for t in threads]; [t.join() for t in threads]
print(f"{count[0]} requests")
