#!/usr/bin/env bash
# Issue 15, finding 5: four connections posting one firing alert to `up`'s webhook for 10 s, with the webhook token and
# without it, then one post of 10,000 alerts. Prints the calls by answer, the evaluations, and what the log and the
# status grew by (docs/reliability.md#the-alert-webhook).
# Usage: bench/reliability/webhook-flood.sh [AUTOSCALER_BINARY]   (default: a Release build of this tree)
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
if [ $# -ge 1 ]; then autoscaler=$1; else build_release; fi
work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT INT TERM
gateway=$(free_port) scaler=$(free_port) prometheus=$(free_port) replicas=$((30000 + RANDOM % 20000))
"$autoscaler" up --no-status --no-alertmanager --work-dir "$work/up" --gateway-port "$gateway" --port "$scaler" \
  --prometheus-port "$prometheus" --replica-ports "$replicas-$((replicas + 9))" --check-interval 1s >"$work/up.out" 2>&1 &
pids+=($!)
for _ in $(seq 90); do grep -q '^ready:' "$work/up.out" && break; sleep 1; done
grep -q '^ready:' "$work/up.out" || { cat "$work/up.out" >&2; exit 1; }
token=$(cat "$work/up/webhook-token" 2>/dev/null || true) # absent from builds that do not make one up

flood() { # token (empty: none) -> {"status": calls, ...}
  python3 - "$scaler" "$1" <<'PY'
import http.client, json, sys, threading, time
port, token = int(sys.argv[1]), sys.argv[2]
body = json.dumps({"version": "4", "status": "firing", "receiver": "autoscaler",
                   "alerts": [{"status": "firing", "labels": {"alertname": "HighResponseTime"}}]})
counts, lock = {}, threading.Lock()
def run():
    c = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Content-Type": "application/json", **({"Authorization": "Bearer " + token} if token else {})}
    end = time.time() + 10
    while time.time() < end:
        c.request("POST", "/api/v1/alerts", body, headers); r = c.getresponse(); r.read()
        with lock: counts[r.status] = counts.get(r.status, 0) + 1
threads = [threading.Thread(target=run) for _ in range(4)]
[t.start() for t in threads]; [t.join() for t in threads]
print(json.dumps(counts))
PY
}
evaluations() { curl -s "http://127.0.0.1:$scaler/metrics" | awk '/^autoscaler_decisions_total/ {s += $2} END {print s}'; }
log_size() { stat -c %s "$work/up/autoscaler.log"; }
for who in with without; do
  [ "$who" = with ] && [ -z "$token" ] && continue
  e0=$(evaluations) s0=$(log_size)
  calls=$(flood "$([ "$who" = with ] && echo "$token")")
  sleep 1
  echo "10 s of posts $who the token: calls by answer $calls; evaluations $(( $(evaluations) - e0 )) (about 11 of them periodic); log +$(( $(log_size) - s0 )) bytes"
done

s0=$(log_size)
python3 - "$scaler" "$token" <<'PY'
import http.client, json, sys
port, token = int(sys.argv[1]), sys.argv[2]
body = json.dumps({"version": "4", "status": "firing", "receiver": "autoscaler",
                   "alerts": [{"status": "firing", "labels": {"alertname": "Alert%d" % i}} for i in range(10000)]})
c = http.client.HTTPConnection("127.0.0.1", port)
c.request("POST", "/api/v1/alerts", body, {"Content-Type": "application/json", **({"Authorization": "Bearer " + token} if token else {})})
r = c.getresponse(); r.read()
c.request("GET", "/api/v1/status"); status = c.getresponse().read()
print(f"one post of 10,000 alerts: {r.status}; /api/v1/status is {len(status)} bytes", end="; ")
PY
sleep 1
echo "the log line is $(grep -h 'Alert webhook: 10000' "$work/up/autoscaler.log" | awk '{print length($0)}') bytes (log +$(( $(log_size) - s0 )))"
