#!/usr/bin/env bash
# Two measurements of the live loop with its DEFAULT intervals (scrape 5 s, 30 s window, check 10 s):
#  1. the scaler process at steady state: resident memory and CPU over 60 s
#     (a standalone `autoscaler scaler`, querying the Prometheus of an `autoscaler up`);
#  2. from a load step that overloads one replica (70 req/s; one serves 40) to the first scale-up
#     action, read from the `Scaling from 1 -> 2` line of `autoscaler up`.
# Usage: bench/live/run.sh        (about 3 minutes; needs prometheus; loopback only)
source "$(dirname "$0")/../common.sh"
build_release
work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT INT TERM

gw=$(free_port); sc=$(free_port); pr=$(free_port)
"$autoscaler" up --no-status --work-dir "$work/up" --gateway-port "$gw" --port "$sc" --prometheus-port "$pr" \
  --replica-ports 19401-19420 >"$work/up.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 240); do grep -q '^ready:' "$work/up.log" && break; sleep 0.5; done
grep -q '^ready:' "$work/up.log" || { cat "$work/up.log"; echo "up did not start" >&2; exit 1; }

# 1. Standalone scaler at steady state.
sp=$(free_port)
"$autoscaler" scaler --port "$sp" --prometheus-url "http://127.0.0.1:$pr" --replica-ports 19431-19440 >"$work/scaler.log" 2>&1 &
scaler_pid=$!; pids+=($scaler_pid)
sleep 15
ticks() { awk '{ print $14 + $15 }' "/proc/$scaler_pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks); s0=$(date +%s.%N)
sleep 60
t1=$(ticks); s1=$(date +%s.%N)
rss_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$scaler_pid/status")
cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$s0" -v e="$s1" 'BEGIN { printf "%.2f", 100 * (b - a) / hz / (e - s) }')
echo "scaler steady state: resident $((rss_kb / 1024)) MB, CPU ${cpu} % of one core over 60 s (goal: < 100 MB, < 1 %)"
kill "$scaler_pid"; wait "$scaler_pid" 2>/dev/null || true

# 2. Load step to first scale-up.
start=$(date +%s.%N)
"$autoscaler" load --url "http://127.0.0.1:$gw/" --rate 70 --duration 90s >"$work/load.log" 2>&1 &
load_pid=$!; pids+=($load_pid)
until grep -q 'Scaling from 1 -> 2' "$work/up.log"; do
  kill -0 "$load_pid" 2>/dev/null || { echo "no scale-up during the load" >&2; exit 1; }
  sleep 0.2
done
end=$(date +%s.%N)
echo "load step to first scale-up action: $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }') s (bound: 30 s window + 10 s check = 40 s)"
grep -m3 -E 'avg_rt=|Scaling' "$work/up.log" | tail -3
