#!/usr/bin/env bash
# Open-loop load generator benchmark: can `autoscaler load` hold 5,000 req/s with under 1 % of requests
# sent more than 10 ms late, while the target shares the machine's cores? Loopback only.
#
#   bench/load/run.sh [RATE] [DURATION]      (defaults: 5000 20s)
#
# Environment: PORT (default 18950), OUT (JSON summary, default a temporary file), NO_BUILD=1 to skip the build,
# WARMUP (default 5s; 0 for none): a first, unmeasured run at the same rate, so that the freshly started target
# has compiled its hot paths before the measured run (the generator is a new process each time either way).
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
  dotnet publish "$root/src/Autoscaler.Cli" -c Release --use-current-runtime -o "$bin" --nologo -v quiet >/dev/null
fi

dotnet "$bin/autoscaler.dll" webapp --service-time 0 --workers 1000 --port "$port" --instance-id bench-target >/dev/null 2>&1 &
pids+=($!)
ready() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
for _ in $(seq 1 100); do
  ready && break
  sleep 0.1
done
ready || { echo "target did not start on port $port" >&2; exit 1; }

warmup="${WARMUP:-5s}"
if [[ "$warmup" != 0 ]]; then
  dotnet "$bin/autoscaler.dll" load --url "http://127.0.0.1:$port/" --rate "$rate" --duration "$warmup" >/dev/null 2>&1 || true
fi

echo "command: autoscaler load --url http://127.0.0.1:$port/ --rate $rate --duration $duration --json $out"
dotnet "$bin/autoscaler.dll" load --url "http://127.0.0.1:$port/" --rate "$rate" --duration "$duration" --json "$out" 2>/dev/null

# The JSON is indented, one field per line; the top-level fields come first.
field() { grep -m1 "\"$1\":" "$out" | sed -E 's/.*: *"?([^",]*)"?,?$/\1/'; }
achieved="$(field achievedRate)"
sent="$(field sent)"
late="$(field lateSends)"
failed="$(field failed)"
late_pct="$(awk -v l="$late" -v s="$sent" 'BEGIN { printf("%.3f", (s > 0) ? 100 * l / s : 0) }')"
echo "achieved rate   $achieved req/s (asked $rate)"
echo "late (>10 ms)   $late of $sent = $late_pct %"
echo "failed          $failed"
echo "latency ms      p50 $(field p50), p90 $(field p90), p99 $(field p99), max $(field max)"
if awk -v a="$achieved" -v r="$rate" -v p="$late_pct" -v f="$failed" 'BEGIN { exit !((a >= 0.99 * r) && (p + 0 < 1) && (f == 0)) }'; then
  echo "goal            met (>= 99 % of the rate, < 1 % sent late, no failures)"
else
  echo "goal            NOT met (>= 99 % of the rate, < 1 % sent late, no failures)"
fi
echo "machine load    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min; other processes on these 2 cores disturb the result)"
