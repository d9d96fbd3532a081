#!/usr/bin/env bash
# Stops what scripts/start.sh started: gracefully (SIGTERM: the scaler stops, replicas drain, then the
# gateway and Prometheus stop), and kills whatever is left of its session after a minute.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
pid_file=.autoscaler/up.pid
[ -f "$pid_file" ] || { say "not running (no $pid_file)"; exit 0; }
pid=$(cat "$pid_file")
if kill -0 "$pid" 2>/dev/null; then
  say "stopping autoscaler up (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
fi
# Anything of its session still alive (it was started with setsid, so the session id is its pid).
left=$(ps -eo pid=,sid= | awk -v s="$pid" '$2 == s { print $1 }')
if [ -n "$left" ]; then
  say "killing what did not stop: $(echo $left)"
  kill -KILL $left 2>/dev/null || true
fi
rm -f "$pid_file"
say "stopped"
