#!/usr/bin/env bash
# Overload (issue 15, item 5): `autoscaler up --min-replicas 1 --max-replicas 1`, RATE req/s (default 3,000; one
# replica serves about 40) through the gateway for DURATION seconds. Meanwhile the gateway's own /gateway/healthz is
# timed every 0.5 s and up's resident memory read every second, and again for SETTLE seconds after the load ends.
# Prints the load's summary, the gateway's answers by status code (from its /metrics: 503s expected, no 502),
# the health endpoint's slowest and median times, and up's memory before, at its peak and after.
# Stops everything it started, however it ends.
#
#   bench/gateway/overload.sh                       # 3,000 req/s for 30 s, then 30 s to settle (about 1.5 minutes)
#   RATE=1000 DURATION=20 bench/gateway/overload.sh
source "$(dirname "$0")/../common.sh"
RATE=${RATE:-3000}
DURATION=${DURATION:-30}
SETTLE=${SETTLE:-30}
build_release
work=$(mktemp -d)
finish() {
  stop_all
  rm -rf "$work"
}
trap finish EXIT INT TERM

gw=$(free_port); sc=$(free_port); pr=$(free_port)
"$autoscaler" up --no-status --no-alertmanager --work-dir "$work/up" --gateway-port "$gw" --port "$sc" \
  --prometheus-port "$pr" --min-replicas 1 --max-replicas 1 --replica-ports 19541-19560 >"$work/up.log" 2>&1 &
up_pid=$!; pids+=($up_pid)
for _ in $(seq 1 240); do grep -q '^ready:' "$work/up.log" && break; sleep 0.5; done
grep -q '^ready:' "$work/up.log" || { cat "$work/up.log"; echo "up did not start" >&2; exit 1; }
until curl -sf "http://127.0.0.1:$gw/gateway/destinations" | grep -q '"healthy"'; do sleep 0.2; done

rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$up_pid/status"; }
# Every 0.5 s: seconds since the start, the health endpoint's time in ms (or "fail"), up's RSS in MB.
watch_gateway() {
  local start=$1
  while kill -0 "$up_pid" 2>/dev/null; do
    t=$(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' "http://127.0.0.1:$gw/gateway/healthz" || true)
    awk -v t="$t" -v s="$start" -v now="$(date +%s.%N)" -v rss="$(rss_mb)" \
      'BEGIN { split(t, a, " "); printf "%.1f %s %s\n", now - s, (a[1] == "200" ? sprintf("%.1f", a[2] * 1000) : "fail"), rss }'
    sleep 0.5
  done
}
before=$(rss_mb)
start=$(date +%s.%N)
watch_gateway "$start" >"$work/watch.txt" &
watch_pid=$!; pids+=($watch_pid)
"$autoscaler" load --url "http://127.0.0.1:$gw/" --rate "$RATE" --duration "${DURATION}s" --json "$work/load.json" >"$work/load.log" 2>&1 || true
sleep "$SETTLE"
kill "$watch_pid" 2>/dev/null || true
curl -sf "http://127.0.0.1:$gw/metrics" >"$work/metrics.txt"

echo
cat "$work/load.log"
echo
echo "the gateway's memory after the overload (its log):"
grep -h "after an overload" "$work/up.log" | sed 's/^/  /' || echo "  (no collection logged)"
echo "the gateway's answers (gateway_requests_total by code) and errors by kind:"
grep -E '^gateway_(requests|request_errors)_total\{' "$work/metrics.txt" | sed 's/^/  /'
python3 - "$work/watch.txt" "$DURATION" "$before" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
duration, before = float(sys.argv[2]), float(sys.argv[3])
during = [r for r in rows if float(r[0]) <= duration]
after = [r for r in rows if float(r[0]) > duration]
times = sorted(float(r[1]) for r in during if r[1] != "fail")
fails = sum(1 for r in during if r[1] == "fail")
if times:
    print(f"/gateway/healthz under load: {len(times)} probes, median {times[len(times) // 2]:.1f} ms, "
          f"max {times[-1]:.1f} ms, {fails} failed or over 5 s")
rss = [float(r[2]) for r in rows if r[2]]
peak = max(rss) if rss else 0
end = [float(r[2]) for r in after[-3:] if r[2]]
print(f"up's resident memory: {before:.0f} MB before, peak {peak:.0f} MB, "
      f"{(sum(end) / len(end)) if end else float('nan'):.0f} MB at the end of the {len(after) / 2:.0f} s after the load")
EOF
