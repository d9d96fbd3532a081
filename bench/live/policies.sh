#!/usr/bin/env bash
# The live loop under scripts/load-test.sh's load, once per policy file: `autoscaler up --policy FILE` with its
# default intervals (scrape 5 s, check 10 s), then 20 req/s for 10 s and 70 req/s for 150 s (a step no forecast
# can know: one replica serves 40 req/s), then 60 s of quiet. For each policy it prints the failed requests, the
# last second (after the step at 10 s) in which a request failed, and the replica-seconds from the load's start
# to 60 s after its end (the scaler's currentReplicas, polled every second).
# Usage: bench/live/policies.sh [POLICY_FILE ...]
#        (default: deploy/policies/hpa-request-rate.yaml deploy/policies/slo.yaml; about 4 minutes each;
#         needs prometheus; loopback only)
source "$(dirname "$0")/../common.sh"
source "$(dirname "$0")/lib.sh"
policies=("$@")
[ ${#policies[@]} -gt 0 ] || policies=("$repo/deploy/policies/hpa-request-rate.yaml" "$repo/deploy/policies/slo.yaml")
build_release
work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT INT TERM

results=()
for policy in "${policies[@]}"; do
  name=$(basename "$policy" .yaml)
  start_up "$policy" "$name" "$work" 19501-19530
  echo "==> $name: load 20 req/s for 10 s, then 70 req/s for 150 s, then 60 s of quiet" >&2

  "$autoscaler" load --url "http://127.0.0.1:$gw/" --pattern step --steps 0s=20,10s=70 --duration 160s \
    --json "$work/$name.json" >"$work/$name.load.log" 2>&1 &
  load_pid=$!; pids+=($load_pid)
  replica_seconds=0 peak=0
  for _ in $(seq 1 220); do
    n=$(current_replicas "$sc")
    replica_seconds=$((replica_seconds + n)); [ "$n" -gt "$peak" ] && peak=$n
    sleep 1
  done
  wait "$load_pid" || { cat "$work/$name.load.log"; echo "the load failed with $policy" >&2; exit 1; }
  kill "$up_pid"; wait "$up_pid" 2>/dev/null || true
  results+=("$(python3 - "$work/$name.json" "$name" "$replica_seconds" "$peak" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))
failed_seconds = [s["second"] for s in summary["seconds"] if s["failed"] > 0]
last = f"{max(failed_seconds) - 10} s after the step" if failed_seconds else "none"
print(f"| `{sys.argv[2]}` | {summary['sent']:,} | {summary['failed']:,} | {last} | {sys.argv[3]} | {sys.argv[4]} |")
PY
)")
done

echo "| policy | sent | failed | last failure | replica-seconds (220 s) | peak replicas |"
echo "| --- | ---: | ---: | --- | ---: | ---: |"
printf '%s\n' "${results[@]}"
