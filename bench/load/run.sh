#!/usr/bin/env bash
# Open-loop load generator benchmark: can `autoscaler load` hold 5,000 req/s with under 1 % of requests
# sent more than 10 ms late, while the target shares the machine's cores? Loopback only.
#
#   bench/load/run.sh [RATE] [DURATION]      (defaults: 5000 20s)
#
# Environment: PORT (default 18950), OUT (JSON summary, default a temporary file), NO_BUILD=1 to skip the build.
set -euo pipefail

rate="${1:-5000}"
duration="${2:-20s}"
port="${PORT:-18950}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/artifacts/bench-load"
out="${OUT:-$(mktemp --suffix=.json)}"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM

if [[ "${NO_BUILD:-}" != 1 ]]; then
  dotnet publish "$root/src/Autoscaler.Cli" -c Release -o "$bin" --nologo -v quiet >/dev/null
fi

dotnet "$bin/autoscaler.dll" webapp --service-time 0 --workers 1000 --port "$port" --instance-id bench-target >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { echo "target did not start on port $port" >&2; exit 1; }

echo "command: autoscaler load --url http://127.0.0.1:$port/ --rate $rate --duration $duration --json $out"
dotnet "$bin/autoscaler.dll" load --url "http://127.0.0.1:$port/" --rate "$rate" --duration "$duration" --json "$out" 2>/dev/null

python3 - "$out" "$rate" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
rate = float(sys.argv[2])
late = s["lateFraction"] * 100
ok = s["achievedRate"] >= 0.99 * rate and late < 1 and s["failed"] == 0
print(f"achieved rate   {s['achievedRate']:.1f} req/s (asked {rate:.0f})")
print(f"late (>10 ms)   {s['lateSends']} of {s['sent']} = {late:.3f} %")
print(f"failed          {s['failed']} {s['failures']}")
print(f"latency         p50 {s['latencyMs']['p50']} ms, p90 {s['latencyMs']['p90']} ms, p99 {s['latencyMs']['p99']} ms, max {s['latencyMs']['max']} ms")
print("goal            " + ("met" if ok else "NOT met") + " (>= 99 % of the rate, < 1 % late, no failures)")
PY
