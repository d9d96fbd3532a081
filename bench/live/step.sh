#!/usr/bin/env bash
# The step of issue 15 (finding 6): `autoscaler up --policy deploy/policies/hpa-request-rate.yaml` with its default
# intervals (scrape 5 s, check 10 s), then 20 req/s for 10 s and 100 req/s for 140 s through the gateway (one
# replica serves about 40 req/s; 100/30 -> 4 replicas suffice). Prints the requests sent and failed (by kind), the
# last second after the step in which a request failed, p99 of the successful requests, the scaler's
# currentReplicas over time (polled every second; printed where it changes) and its maximum, the load average, and
# which part answered the 503s (the gateway's counters at the end: its own 503s for every replica full or the hold
# over, against all 503s it passed back, the rest being the replicas' own; and what its hold queue did).
# Usage: bench/live/step.sh [POLICY_FILE]   (about 3 minutes; needs prometheus; loopback only)
#        STEP_KEEP=DIR keeps up's log and the load's JSON in DIR; STEP_BINARY=PATH runs that autoscaler instead of
#        building this tree (to measure another build back to back).
source "$(dirname "$0")/../common.sh"
source "$(dirname "$0")/lib.sh"
policy=${1:-$repo/deploy/policies/hpa-request-rate.yaml}
if [ -n "${STEP_BINARY:-}" ]; then autoscaler=$STEP_BINARY; else build_release; fi
work=$(mktemp -d)
trap 'stop_all; [ -n "${STEP_KEEP:-}" ] && mkdir -p "$STEP_KEEP" && cp "$work"/*.log "$work"/*.json "$work"/*.txt "$work"/counts "$STEP_KEEP"/ 2>/dev/null; rm -rf "$work"' EXIT INT TERM

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start_up "$policy" step "$work" 19601-19630
echo "==> $(basename "$policy"): 20 req/s for 10 s, then 100 req/s for 140 s" >&2
"$autoscaler" load --url "http://127.0.0.1:$gw/" --pattern step --steps 0s=20,10s=100 --duration 150s \
  --json "$work/step.json" >"$work/load.log" 2>&1 &
load_pid=$!; pids+=($load_pid)
start=$(date +%s.%N)
: >"$work/counts"
while kill -0 "$load_pid" 2>/dev/null; do
  echo "$(awk -v s="$start" -v now="$(date +%s.%N)" 'BEGIN { printf "%.0f", now - s }') $(current_replicas "$sc")" >>"$work/counts"
  sleep 1
done
wait "$load_pid" || { cat "$work/load.log"; echo "the load failed" >&2; exit 1; }
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
curl -sf --max-time 5 "http://127.0.0.1:$gw/metrics" >"$work/gateway-metrics.txt" || true
kill "$up_pid"; wait "$up_pid" 2>/dev/null || true

python3 - "$work/step.json" "$work/counts" "$load_before" "$load_after" "$("$autoscaler" --version 2>/dev/null | head -1)" "$work/gateway-metrics.txt" <<'PY'
import json, re, sys
s = json.load(open(sys.argv[1]))
counts = [tuple(map(int, line.split())) for line in open(sys.argv[2]) if line.strip()]
failed_seconds = [b["second"] for b in s["seconds"] if b["failed"] > 0 and b["second"] >= 10]
last = f"{max(failed_seconds) - 10} s after the step" if failed_seconds else "none"
changes, previous = [], None
for t, n in counts:
    if n != previous:
        changes.append(f"{t}s:{n}")
        previous = n
peak = max((n for _, n in counts), default=0)
above4 = sum(1 for _, n in counts if n > 4)
by_kind = ", ".join(f"{k} {v}" for k, v in sorted(s["failures"].items(), key=lambda kv: -kv[1])) or "-"
print(f"build {sys.argv[5]}; load average before {sys.argv[3]}, after {sys.argv[4]}")
print(f"sent {s['sent']:,}, failed {s['failed']:,} ({100 * s['failed'] / max(s['sent'], 1):.2f} %): {by_kind}")
print(f"last failure: {last}; p99 {s['latencyMs']['p99']:.0f} ms")
print(f"replicas (second:count): {' '.join(changes)}")
print(f"max replicas {peak}; seconds above 4: {above4}")
metrics = {}
for line in open(sys.argv[6]):
    m = re.match(r'(gateway_[a-z_]+(?:\{[^}]*\})?) ([0-9.e+]+)$', line.strip())
    if m:
        metrics[m.group(1)] = float(m.group(2))
def g(name, label=None, value=None):
    return int(metrics.get(name + ('{%s="%s"}' % (label, value) if label else ""), 0))
held = ", ".join("%s %d" % (o, g("gateway_hold_outcomes_total", "outcome", o)) for o in ("released", "timeout", "dropped", "abandoned"))
print(f"gateway: 503 {g('gateway_requests_total', 'code', '503')} (its own, every replica full or the hold over: "
      f"{g('gateway_request_errors_total', 'kind', 'full')}; no replica: {g('gateway_request_errors_total', 'kind', 'no_destination')}), "
      f"502 {g('gateway_requests_total', 'code', '502')}, 504 {g('gateway_requests_total', 'code', '504')}; "
      f"held {g('gateway_held_requests_total')}: {held}")
PY
