#!/usr/bin/env bash
# What open web consoles cost the scaler: starts `autoscaler up` (no load), measures the process's CPU time over
# SECONDS idle, then over SECONDS with VIEWERS simulated consoles polling the overview's endpoints (viewers.py).
# The scaler, the gateway and the supervision share up's process, so "idle" is the whole stack at rest.
# Usage: bench/console/run.sh [VIEWERS=20] [SECONDS=60]   (builds with scripts/build.sh first; ports 18xxx)
set -euo pipefail
cd "$(dirname "$0")/../.."
viewers=${1:-20}
seconds=${2:-60}
bin=$(scripts/build.sh)
work=$(mktemp -d)
"$bin" up --work-dir "$work" --port 18480 --gateway-port 18400 --prometheus-port 18490 --alertmanager-port 18493 \
  --replica-ports 18401-18420 --no-status >"$work/up.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 60); do curl -sf -o /dev/null http://127.0.0.1:18480/readyz && break; sleep 1; done
sleep 10
ticks() { awk '{print $14+$15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
a=$(ticks); sleep "$seconds"; b=$(ticks)
python3 bench/console/viewers.py http://127.0.0.1:18480 "$viewers" "$seconds" >/dev/null & load=$!
c=$(ticks); wait $load; d=$(ticks)
awk -v i=$((b - a)) -v v=$((d - c)) -v hz="$hz" -v s="$seconds" -v n="$viewers" 'BEGIN {
  printf "idle: %.2f%% of one core; with %d consoles: %.2f%%; added: %.2f%%\n", 100*i/hz/s, n, 100*v/hz/s, 100*(v-i)/hz/s }'
