#!/usr/bin/env bash
# Issue 18's console goals, on `autoscaler up` (Release; defaults: check every 10 s, scrape every 5 s; no load, so the
# stack is at steady state):
#  1. the overview's first load, in a fresh headless Chromium each time (cold cache): ms from navigation to the first
#     chart drawn (goal < 1 s on loopback) and the bytes transferred until then (goal < 200 KB);
#  2. the CPU of the `up` process (it hosts the scaler and serves the console; replicas and Prometheus are processes of
#     their own) over a window with no console open, then over the same window with N (default 20) overviews open, each
#     in its own window of one headless Chromium, polling as a user's tab does. Goal: N consoles add < 2 % of one core.
# Usage: bench/console/run.sh [CONSOLES] [WINDOW_SECONDS]   (needs prometheus, chromium, chromium-driver; loopback only)
source "$(dirname "$0")/../common.sh"
source "$repo/scripts/lib.sh"
n=${1:-20}
window=${2:-60}
ensure_debian_packages "${BROWSER_PACKAGES[@]}"
[ -n "${CONSOLE_NO_BUILD:-}" ] || {
  build_release
  echo "==> building the browser driver (bench/Autoscaler.Bench.Console)" >&2
  dotnet publish "$repo/bench/Autoscaler.Bench.Console" -c Release -o "$repo/artifacts/bench-console" -nologo -v quiet -p:WarningLevel=0 >/dev/null
}
browser="$repo/artifacts/bench-console/Autoscaler.Bench.Console"
work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT INT TERM
port=$(free_port); gateway=$(free_port); prom=$(free_port)

"$autoscaler" up --no-status --no-alertmanager --work-dir "$work/up" --port "$port" --gateway-port "$gateway" \
  --prometheus-port "$prom" --replica-ports 17100-17130 >"$work/up.log" 2>&1 &
up_pid=$!; pids+=($up_pid)
wait_ready "http://127.0.0.1:$port/readyz" || { tail -20 "$work/up.log" >&2; exit 1; }
overview="http://127.0.0.1:$port/#/s/webapp/overview"
echo "==> up ready (pid $up_pid); warm-up 20 s" >&2
sleep 20

echo "==> first load of $overview (5 cold loads)" >&2
"$browser" first-load "$overview" 5 | tee "$work/first-load.txt"

cpu() { awk '{ print $14 + $15 }' "/proc/$up_pid/stat"; }
measure() { # prints % of one core used by up over $window seconds
  local c0 c1 t0 t1
  c0=$(cpu); t0=$(date +%s.%N); sleep "$window"; c1=$(cpu); t1=$(date +%s.%N)
  awk -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", 100 * c / hz / (b - a) }'
}
echo "==> CPU of up with no console open, ${window} s" >&2
idle=$(measure)

echo "==> opening $n consoles" >&2
hold=$((window + 15)) # it quits the browser itself after the window (or at once on SIGTERM)
"$browser" open "$overview" "$n" "$hold" >"$work/open.txt" 2>&1 &
open_pid=$!; pids+=($open_pid)
for _ in $(seq 1 600); do grep -q '^ready:' "$work/open.txt" && break; kill -0 "$open_pid" 2>/dev/null || break; sleep 0.2; done
grep '^ready:' "$work/open.txt" >&2 || { cat "$work/open.txt" >&2; exit 1; }
sleep 10 # the pages' first loads are over; what is left is their polling
echo "==> CPU of up with $n consoles open, ${window} s" >&2
busy=$(measure)
kill -TERM "$open_pid" 2>/dev/null; wait "$open_pid" 2>/dev/null || true

echo "autoscaler $("$autoscaler" --version 2>/dev/null | head -1); up with default intervals, no load; $(nproc) cores"
grep '^first chart drawn' "$work/first-load.txt"
grep '^ready:' "$work/open.txt"
awk -v i="$idle" -v b="$busy" -v n="$n" -v w="$window" 'BEGIN {
  printf "CPU of up over %d s: %.2f %% of one core with no console, %.2f %% with %d open: %d consoles add %.2f %% (goal < 2 %%)\n", w, i, b, n, n, b - i }'
