#!/usr/bin/env bash
# Installs what is missing, builds, and starts `autoscaler up` in the background:
# Prometheus, the gateway on :8000, one demo replica and the scaler on :8080.
# Extra arguments go to `autoscaler up` (see: .autoscaler/bin/autoscaler up --help).
# Stop it with scripts/stop.sh. Log: .autoscaler/up.log
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

pid_file=.autoscaler/up.pid
log_file=.autoscaler/up.log
if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  die "already running (pid $(cat "$pid_file")); stop it with scripts/stop.sh" 1
fi

if [ "$(uname)" = "Darwin" ]; then
  command -v prometheus >/dev/null || { say "installing prometheus with Homebrew"; brew install prometheus; }
else
  ensure_debian_packages prometheus
fi
bin=$(scripts/build.sh)

mkdir -p .autoscaler
: >"$log_file"
say "starting autoscaler up (log: $log_file)"
# Its own session, so stop.sh can reach every process of the stack even if up itself is gone.
setsid "$bin" up --no-status --work-dir .autoscaler/up "$@" >>"$log_file" 2>&1 </dev/null &
echo $! >"$pid_file"

for _ in $(seq 1 240); do
  if grep -q "^ready:" "$log_file"; then
    # The ready block: its first line and the indented lines after it.
    awk '/^ready:/ { inblock = 1; print; next } inblock && /^  / { print; next } { inblock = 0 }' "$log_file"
    cat <<'TEXT'

What to look at:
  http://127.0.0.1:8080/              the web console: replicas, metrics, charts, decisions, policy
  tail -f .autoscaler/up.log          the scaler's lines: avg_rt=… current_replicas=…, Scaling from 1 -> 2
  http://127.0.0.1:9090/targets       Prometheus scraping every replica (job webapp), the gateway and the scaler
  http://127.0.0.1:8080/api/v1/status the scaler's current and desired replicas, last value, last decisions
  http://127.0.0.1:8080/metrics       the autoscaler_ metrics
Next: scripts/load-test.sh   (then scripts/stop.sh)
TEXT
    exit 0
  fi
  if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    tail -20 "$log_file" >&2
    rm -f "$pid_file"
    die "autoscaler up exited; see the lines above" 1
  fi
  sleep 0.5
done
tail -20 "$log_file" >&2
die "autoscaler up did not become ready within 2 minutes; it is still running (scripts/stop.sh stops it)" 1
