#!/usr/bin/env bash
# A hung replica (issue 15, item 1): `autoscaler up --min-replicas 2 --max-replicas 2`, 60 req/s through the gateway
# for DURATION seconds, one replica stopped with SIGSTOP STOP_AT seconds in and continued STOP_FOR seconds later.
# Prints the failed share, the per-second mean latency around the stop (SLO: 300 ms), and what up logged: the
# ejection, the stand-in, the kill and replacement after the grace period, or the return after SIGCONT.
# Stops everything it started, and continues the stopped replica, however it ends.
#
#   bench/gateway/sigstop.sh                          # 100 s, stop at 30 s for 30 s (about 2 minutes)
#   STOP_FOR=5 bench/gateway/sigstop.sh               # shorter than the grace period: the replica comes back
#   GATEWAY_ENV="LocalTarget__ReplaceUnhealthy=false" bench/gateway/sigstop.sh
source "$(dirname "$0")/../common.sh"
DURATION=${DURATION:-100}
STOP_AT=${STOP_AT:-30}
STOP_FOR=${STOP_FOR:-30}
RATE=${RATE:-60}
SLO_MS=${SLO_MS:-300}
build_release
work=$(mktemp -d)
stopped=""
finish() {
  [ -n "$stopped" ] && kill -CONT "$stopped" 2>/dev/null
  stop_all
  rm -rf "$work"
}
trap finish EXIT INT TERM

gw=$(free_port); sc=$(free_port); pr=$(free_port)
env ${GATEWAY_ENV:-} "$autoscaler" up --no-status --no-alertmanager --work-dir "$work/up" --gateway-port "$gw" --port "$sc" \
  --prometheus-port "$pr" --min-replicas 2 --max-replicas 2 --replica-ports 19501-19540 >"$work/up.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 240); do grep -q '^ready:' "$work/up.log" && break; sleep 0.5; done
grep -q '^ready:' "$work/up.log" || { cat "$work/up.log"; echo "up did not start" >&2; exit 1; }
until [ "$(curl -sf "http://127.0.0.1:$gw/gateway/destinations" | grep -o '"healthy"' | wc -l)" -ge 2 ]; do sleep 0.2; done

"$autoscaler" load --url "http://127.0.0.1:$gw/" --rate "$RATE" --duration "${DURATION}s" --json "$work/load.json" >"$work/load.log" 2>&1 &
load_pid=$!; pids+=($load_pid)
load_start=$(date +%s.%N)
sleep "$STOP_AT"

port=$(curl -sf "http://127.0.0.1:$gw/gateway/destinations" | grep -o '"address":"[^"]*"' | head -1 | grep -oE '[0-9]+/"$' | tr -d '/"')
for p in /proc/[0-9]*; do
  if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -- "webapp --port $port "; then stopped=${p#/proc/}; break; fi
done
[ -n "$stopped" ] || { echo "no replica process on port $port" >&2; exit 1; }
stop_time=$(date +%s.%N)
kill -STOP "$stopped"
echo "SIGSTOP replica on port $port (pid $stopped) at $(awk -v a="$load_start" -v b="$stop_time" 'BEGIN { printf "%.1f", b - a }') s ($(date -u +%H:%M:%S.%3N) UTC)" >&2
sleep "$STOP_FOR"
if kill -CONT "$stopped" 2>/dev/null; then
  echo "SIGCONT at $(awk -v a="$load_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s ($(date -u +%H:%M:%S.%3N) UTC; compare with up's log below)" >&2
else
  echo "the stopped replica was gone by then (replaced)" >&2
fi
stopped=""
wait "$load_pid" || true

echo
cat "$work/load.log"
python3 - "$work/load.json" "$(awk -v a="$load_start" -v b="$stop_time" 'BEGIN { print b - a }')" "$SLO_MS" "$STOP_FOR" <<'EOF'
import json, sys
run = json.load(open(sys.argv[1]))
stop, slo, stop_for = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
sent, failed = run["sent"], run["failed"]
print(f"failed: {failed} of {sent} ({100 * failed / max(sent, 1):.2f} %), failures by kind: {run['failures']}")
seconds = run["seconds"]
first = int(stop)
# While the replica is stopped; the seconds after SIGCONT (and the run's last, draining second) are another story.
late = [b for b in seconds if first <= b["second"] < stop + stop_for and b["meanLatencyMs"] > slo]
back = max((b["second"] for b in late), default=first - 1) + 1
print(f"per-second mean latency over {slo:.0f} ms while stopped: seconds {[b['second'] for b in late]}; "
      f"under the SLO from second {back}, {back - stop:.1f} s after the stop")
print("second  sent  ok  failed  mean_ms   (from 3 s before the stop to 8 s after SIGCONT)")
for b in seconds:
    if first - 3 <= b["second"] <= first + stop_for + 8:
        print(f"{b['second']:6d} {b['sent']:5d} {b['succeeded']:4d} {b['failed']:6d} {b['meanLatencyMs']:9.1f}")
EOF
echo
echo "what up logged about the replicas:"
grep -E "out of rotation|back in rotation|unready|ready again|killed and replaced|Replica webapp-[0-9]+ ready at|Replacement" "$work/up/autoscaler.log" | sed 's/^/  /'
