#!/usr/bin/env bash
# Shared by the live benches (sourced after ../common.sh): `autoscaler up` with a policy on free ports, and the
# scaler's replica count read from its API.

# start_up POLICY NAME WORK_DIR REPLICA_PORTS [EXTRA_UP_ARGS...]
# Starts `autoscaler up` with POLICY (default intervals unless EXTRA_UP_ARGS say otherwise), logs to
# WORK_DIR/NAME.log, and waits for its `ready:` line. Sets up_pid, gw (gateway port) and sc (scaler API port).
start_up() {
  local policy=$1 name=$2 work=$3 replica_ports=$4; shift 4
  gw=$(free_port); sc=$(free_port); local pr; pr=$(free_port)
  "$autoscaler" up --no-status --no-alertmanager --policy "$policy" --work-dir "$work/$name" --gateway-port "$gw" \
    --port "$sc" --prometheus-port "$pr" --replica-ports "$replica_ports" "$@" >"$work/$name.log" 2>&1 &
  up_pid=$!; pids+=($up_pid)
  for _ in $(seq 1 240); do grep -q '^ready:' "$work/$name.log" && break; sleep 0.5; done
  grep -q '^ready:' "$work/$name.log" || { cat "$work/$name.log"; echo "up did not start with $policy" >&2; exit 1; }
}

# current_replicas SCALER_PORT: the scaler's currentReplicas (0 when the API does not answer).
current_replicas() {
  local n
  n=$(curl -sf --max-time 1 "http://127.0.0.1:$1/api/v1/status" | grep -oE '"currentReplicas":[0-9]+' | head -1 | cut -d: -f2)
  echo "${n:-0}"
}
