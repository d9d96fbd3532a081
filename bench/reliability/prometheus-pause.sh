#!/usr/bin/env bash
# Issue 15, finding 4: `kill -STOP` of Prometheus for 60 s under 100 req/s with deploy/policies/hpa-request-rate.yaml
# (default intervals: 5 s scrapes, 10 s checks), then 90 s watched. Prints the count before, during and after, the
# decisions that changed it or held it, and the rps readings around the pause (docs/reliability.md#metric-outages).
# Usage: bench/reliability/prometheus-pause.sh [AUTOSCALER_BINARY]   (default: a Release build of this tree)
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
if [ $# -ge 1 ]; then autoscaler=$1; else build_release; fi
work=$(mktemp -d)
gateway=$(free_port) scaler=$(free_port) prometheus=$(free_port) replicas=$((30000 + RANDOM % 20000))
prom_pid=""
cleanup() { [ -n "$prom_pid" ] && kill -CONT "$prom_pid" 2>/dev/null; stop_all; rm -rf "$work"; }
trap cleanup EXIT INT TERM

"$autoscaler" up --no-status --no-alertmanager --work-dir "$work/up" --gateway-port "$gateway" --port "$scaler" \
  --prometheus-port "$prometheus" --replica-ports "$replicas-$((replicas + 29))" \
  --policy "$repo/deploy/policies/hpa-request-rate.yaml" >"$work/up.out" 2>&1 &
pids+=($!)
for _ in $(seq 90); do grep -q '^ready:' "$work/up.out" && break; sleep 1; done
grep -q '^ready:' "$work/up.out" || { cat "$work/up.out" >&2; exit 1; }
start_bg "$autoscaler" load --url "http://127.0.0.1:$gateway/" --rate 100 --duration 15m
prom_pid=$(pgrep -f "prometheus --config.file=$work/up/prometheus/prometheus.yml" | head -1)
count() { curl -s -m 2 "http://127.0.0.1:$scaler/api/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["currentReplicas"])' 2>/dev/null || true; }
( while true; do echo "$(date +%s) $(count)"; sleep 1; done ) >"$work/counts" &
pids+=($!)

start=$(date +%s)
while [ $(( $(date +%s) - start )) -lt 150 ] && [ "$(count)" != 4 ]; do sleep 1; done
sleep 30
echo "count before the pause: $(count)"
t0=$(date +%s); kill -STOP "$prom_pid"; sleep 60; kill -CONT "$prom_pid"; t1=$(date +%s)
echo "Prometheus stopped for $((t1 - t0)) s"
sleep 90; t2=$(date +%s)
lowest() { awk -v a="$1" -v b="$2" '$1>=a && $1<b && $2!="" {if(m==""||$2<m)m=$2} END {print m}' "$work/counts"; }
echo "lowest count during the pause: $(lowest "$t0" "$t1"); in the 90 s after: $(lowest "$t1" "$t2")"
echo "decisions that changed the count, or held it for an outage:"
grep -E "Scaling from|cause=(fallback|recovering|failed_metric)" "$work/up/autoscaler.log" \
  | sed -E 's/^(\S+) .*(Scaling from [0-9]+ -> [0-9]+ \(.{0,120}|cause=[a-z_]+ reason=.{0,150}).*/\1 \2/' | awk '!seen[$0]++' | tail -20
echo "rps readings around the pause (100 req/s are sent):"
grep -oE "^\S+ .*rps=[0-9.none]+ avg_rt=[0-9.none]+ current_replicas=[0-9]+" "$work/up/autoscaler.log" \
  | sed -E 's/^(\S+) .*(rps=.*)/\1 \2/' | tail -20
