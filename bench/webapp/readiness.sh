#!/usr/bin/env bash
# Time from starting a replica process to its first 200 from /readyz, over N starts (default 5).
# Usage: bench/webapp/readiness.sh [starts]
source "$(dirname "$0")/../common.sh"
starts=${1:-5}
build_release
times=()
for i in $(seq 1 "$starts"); do
  port=$(free_port)
  t0=$(date +%s%N)
  "$autoscaler" webapp --port "$port" >/dev/null 2>&1 &
  pid=$!; pids+=($pid)
  until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do sleep 0.005; done
  t1=$(date +%s%N)
  times+=($(( (t1 - t0) / 1000000 )))
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "starts: ${times[*]} ms"
echo "median time to ready: ${sorted[$(( ${#sorted[@]} / 2 ))]} ms (goal: under 1000 ms)"
