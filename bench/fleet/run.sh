#!/usr/bin/env bash
# Issue 17's fleet goal: N services (default 100) on one `autoscaler scaler --services DIR` with a 1 s check interval,
# local targets in dry run (so the loop reads, decides and records, and nothing starts), every service's query run
# by a real Prometheus (which scrapes the scaler, so the queries have data). After a warm-up, over a window (default
# 60 s) it reads the scaler's /metrics twice and prints: evaluations per service (fewest and most; the goal is one
# per interval for every service), the evaluation lag's p50/p99 over all services (from
# autoscaler_evaluation_lag_seconds: how long after its tick each evaluation started; goal p99 < 100 ms), the
# scaler's resident memory at the end (goal < 200 MB) and its CPU over the window in % of one core (goal < 10 %).
# Usage: bench/fleet/run.sh [SERVICES] [WINDOW_SECONDS]   (needs prometheus; loopback only)
source "$(dirname "$0")/../common.sh"
n=${1:-100}
window=${2:-60}
[ -n "${FLEET_NO_BUILD:-}" ] || build_release
work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT INT TERM
prom_port=$(free_port); scaler_port=$(free_port)

mkdir -p "$work/services" "$work/prometheus"
cat >"$work/policy.yaml" <<'YAML'
minReplicas: 1
maxReplicas: 6
metrics:
  - name: up
    query: avg_over_time(up{job="scaler"}[30s])
    threshold: {up: 0.6, down: 0.2}
YAML
for i in $(seq -w 1 "$n"); do
  start=$((30000 + 10#$i * 10))
  printf 'name: svc-%s\npolicy: ../policy.yaml\ncheckInterval: 1s\ndryRun: true\ntarget: {kind: local, portRangeStart: %d, portRangeEnd: %d}\n' \
    "$i" "$start" "$((start + 9))" >"$work/services/svc-$i.yaml"
done
cat >"$work/prometheus/prometheus.yml" <<YAML
global: {scrape_interval: 5s}
scrape_configs:
  - job_name: scaler
    static_configs: [{targets: ["127.0.0.1:$scaler_port"]}]
YAML
start_bg prometheus --config.file="$work/prometheus/prometheus.yml" --storage.tsdb.path="$work/prometheus/data" \
  --web.listen-address="127.0.0.1:$prom_port"
wait_ready "http://127.0.0.1:$prom_port/-/ready"
"$autoscaler" scaler --services "$work/services" --port "$scaler_port" --prometheus-url "http://127.0.0.1:$prom_port" \
  --log-level warning >"$work/scaler.log" 2>&1 &
scaler_pid=$!; pids+=($scaler_pid)
wait_ready "http://127.0.0.1:$scaler_port/readyz"
echo "==> $n services, check every 1 s; warm-up 20 s, then a ${window} s window" >&2
sleep 20
cpu() { awk '{ print $14 + $15 }' "/proc/$scaler_pid/stat"; }
curl -sf "http://127.0.0.1:$scaler_port/metrics" >"$work/before.txt"; cpu_before=$(cpu); t0=$(date +%s.%N)
sleep "$window"
curl -sf "http://127.0.0.1:$scaler_port/metrics" >"$work/after.txt"; cpu_after=$(cpu); t1=$(date +%s.%N)
rss_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$scaler_pid/status")
python3 - "$work/before.txt" "$work/after.txt" "$n" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
  "$((cpu_after - cpu_before))" "$(getconf CLK_TCK)" "$rss_kb" "$("$autoscaler" --version 2>/dev/null | head -1)" <<'PY'
import re, sys
before, after, n, seconds, ticks, hz, rss_kb, version = sys.argv[1:]
n, seconds, ticks, hz, rss_kb = int(n), float(seconds), int(ticks), int(hz), int(rss_kb)
def read(path):
    evaluations, lag = {}, {}
    for line in open(path):
        m = re.match(r'autoscaler_decisions_total\{.*service="([^"]+)".*\} (\S+)', line)
        if m: evaluations[m.group(1)] = evaluations.get(m.group(1), 0) + float(m.group(2))
        m = re.match(r'autoscaler_evaluation_lag_seconds_bucket\{.*le="([^"]+)".*\} (\S+)', line)
        if m: lag[m.group(1)] = lag.get(m.group(1), 0) + float(m.group(2))
    return evaluations, lag
e0, l0 = read(before); e1, l1 = read(after)
per = sorted(e1[s] - e0.get(s, 0) for s in e1)
buckets = sorted(((float("inf") if k == "+Inf" else float(k)), l1[k] - l0.get(k, 0)) for k in l1)
total = buckets[-1][1]
def quantile(q):
    want, prev_le, prev_count = q * total, 0.0, 0.0
    for le, count in buckets:
        if count >= want:
            if le == float("inf"): return prev_le
            return prev_le + (le - prev_le) * (want - prev_count) / max(count - prev_count, 1e-9)
        prev_le, prev_count = le, count
    return prev_le
print(f"autoscaler {version}; {n} services, 1 s interval, {seconds:.1f} s window")
print(f"services evaluated: {len(per)} of {n}; evaluations per service: fewest {per[0]:.0f}, most {per[-1]:.0f} (one per second: {seconds:.0f})")
print(f"evaluation lag over {total:.0f} evaluations: p50 {quantile(0.5) * 1000:.1f} ms, p99 {quantile(0.99) * 1000:.1f} ms (goal < 100 ms)")
print(f"scaler resident memory: {rss_kb / 1024:.0f} MB (goal < 200 MB); CPU over the window: {100 * ticks / hz / seconds:.1f} % of one core (goal < 10 %)")
PY
