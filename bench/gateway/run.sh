#!/usr/bin/env bash
# Throughput and median latency of one demo replica (service time 0), called directly and through
# the gateway, in the same run. Loopback only. Stops everything it started, however it ends.
#
#   bench/gateway/run.sh                       # wrk -t2 -c64 -d15s --latency after a 5 s warm-up, then wrk -t1 -c1 -d5s
#   DURATION=30s CONNECTIONS=128 bench/gateway/run.sh
set -euo pipefail

DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-5s}
SINGLE=${SINGLE:-5s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
REPLICA_PORT=${REPLICA_PORT:-18101}
GATEWAY_PORT=${GATEWAY_PORT:-18100}

root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/artifacts/bench-gateway"
logs=$(mktemp -d)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$logs"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! command -v wrk >/dev/null; then
  echo "installing wrk" >&2
  apt-get update -qq && apt-get install -y -qq wrk
fi

echo "building Release into $out" >&2
dotnet publish "$root/src/Autoscaler.Cli" -c Release --use-current-runtime -o "$out" --nologo -v quiet >&2

start() { # name, args...
  local name=$1; shift
  dotnet "$out/autoscaler.dll" "$@" >"$logs/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do
    if grep -q "listening on" "$logs/$name.log"; then return 0; fi
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "$name did not start:" >&2
  cat "$logs/$name.log" >&2
  exit 1
}

start replica webapp --service-time 0 --port "$REPLICA_PORT" --instance-id bench
start gateway gateway --port "$GATEWAY_PORT" --destination "http://127.0.0.1:$REPLICA_PORT"

measure() { # name, url
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$2" >/dev/null
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$2" | tee "$logs/$1.wrk" >&2
  # One connection, one request at a time: the latency of the hop itself, without queueing.
  wrk -t1 -c1 -d"$SINGLE" --latency "$2" | tee "$logs/$1.single" >&2
  local rps p50 errors single
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$logs/$1.wrk")
  p50=$(awk '$1 == "50%" {print $2}' "$logs/$1.wrk")
  single=$(awk '$1 == "50%" {print $2}' "$logs/$1.single")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$logs/$1.wrk" | tr '\n' ' ')
  printf '%-8s %12s req/s   median %8s   median with -c1 %8s   %s\n' "$1" "$rps" "$p50" "$single" "${errors:-no errors}" >>"$logs/summary"
}

echo "== direct: http://127.0.0.1:$REPLICA_PORT/" >&2
measure direct "http://127.0.0.1:$REPLICA_PORT/"
echo "== through the gateway: http://127.0.0.1:$GATEWAY_PORT/" >&2
measure gateway "http://127.0.0.1:$GATEWAY_PORT/"

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
cat "$logs/summary"
