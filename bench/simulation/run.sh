#!/usr/bin/env bash
# Simulator speed (docs/benchmarks.md#simulator):
#   1. one policy per thread: hpa and the oracle over 10 days at 1 s steps, on one thread, 5 runs;
#   2. the month: `autoscaler simulate bench/simulation/month.yaml` (30 days, 4 policies) from a cold start,
#      timed end to end by /usr/bin/time (process start, tables, simulation, summary.json, CSV files, the PNG charts and report.html).
# Usage: bench/simulation/run.sh [RUNS]
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
runs=${1:-3}
build_release
echo "==> load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "==> one policy per thread (bench/Autoscaler.Bench.Simulation per-policy 10 5)"
dotnet run -c Release --project "$repo/bench/Autoscaler.Bench.Simulation" -- per-policy 10 5
out=$(mktemp -d)
trap 'rm -rf "$out"; stop_all' EXIT
for i in $(seq 1 "$runs"); do
  echo "==> month, run $i: autoscaler simulate bench/simulation/month.yaml"
  /usr/bin/time -f "    %e s wall, %U s user + %S s system CPU, %M KB peak RSS" \
    "$autoscaler" simulate "$repo/bench/simulation/month.yaml" --output "$out/month" >"$out/table.txt" 2>"$out/stderr.txt" || { cat "$out/stderr.txt"; exit 1; }
  grep -E "done in|wall" "$out/stderr.txt"
done
cat "$out/table.txt"
echo "==> load average: $(cut -d' ' -f1-3 /proc/loadavg)"
