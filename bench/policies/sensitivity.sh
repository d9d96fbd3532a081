#!/usr/bin/env bash
# Sensitivity of the slo rule's defaults (docs/benchmarks.md#sensitivity-of-the-slo-rules-defaults): each default
# varied alone around its value, the whole benchmark suite (scenarios/benchmark/*.yaml) run under every variant, and
# per value the mean cost ratio to the oracle over the scenarios, the worst and the mean SLO violation %, written
# between <!-- sensitivity:begin --> and <!-- sensitivity:end --> of docs/benchmarks.md and printed.
# The variants are policy files generated here, each a copy of the built-in `slo` for the suite's service and SLO
# (BuiltInPolicies.SloPolicy) with one field changed. Every scenario runs once with all of them (a policy's result
# is named after its file), with the built-in `slo` and a copy that writes every default out: the table is written
# only if both copies score exactly as the built-in, field for field.
# KEEP_POLICIES=DIR also leaves the generated policy files in DIR, to run one by hand.
# Usage: [KEEP_POLICIES=DIR] bench/policies/sensitivity.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
here="$repo/bench/policies"
scenarios=("$repo"/scenarios/benchmark/*.yaml)
[ -e "${scenarios[0]}" ] || { echo "bench/policies/sensitivity.sh: no scenarios in $repo/scenarios/benchmark" >&2; exit 1; }

build_release
out=$(mktemp -d)
trap 'rm -rf "$out"; stop_all' EXIT
mkdir "$out/policies" "$out/runs"
manifest="$out/manifest.tsv"

# write_policy NAME [SETTING...]: the built-in slo for the suite (4 workers, queue 100, exponential service, 300 ms
# mean latency, 1 % errors, 1-12 replicas, 5 s start-up + 10 s check = 15 s horizon), changed by each SETTING:
#   rate=W       the demand query's rate window (default 15s)
#   declared     capacity declared (serviceTime: 100ms, the suite's) instead of learnt (no learn block)
#   window=N     a behavior block: scale up at once, scale down after an N s stabilization window
#   'key: value' one more field of the slo block (sampleInterval, horizon, headroomQuantile, forecast)
write_policy() {
  local name=$1 rate=15s learn=1 window="" fields=(horizon:\ 15s) setting
  shift
  for setting in "$@"; do
    case "$setting" in
      rate=*) rate=${setting#rate=} ;;
      declared) learn=0 ;;
      window=*) window=${setting#window=} ;;
      horizon:*) fields[0]=$setting ;;
      *) fields+=("$setting") ;;
    esac
  done
  {
    echo "minReplicas: 1"
    echo "maxReplicas: 12"
    echo "checkInterval: 10s"
    echo "metrics:"
    echo "  - name: rps"
    echo "    query: sum(rate(webapp_request_count_total[$rate]))"
    echo "    slo:"
    echo "      latency: 300ms"
    echo "      statistic: mean"
    echo "      maxErrorRate: 0.01"
    echo "      workers: 4"
    echo "      queueLimit: 100"
    echo "      distribution: exponential"
    if [ "$learn" = 1 ]; then
      echo "      learn:"
      echo "        utilization: avg(rate(webapp_busy_seconds_total[1m]) / webapp_workers)"
      echo "        throughput: avg(rate(webapp_request_count_total[1m]) - rate(webapp_rejected_requests_total[1m]))"
      echo "        latency: avg(avg_over_time(webapp_response_time_seconds[30s]))"
    else
      echo "      serviceTime: 100ms"
    fi
    for setting in "${fields[@]}"; do echo "      $setting"; done
    if [ -n "$window" ]; then
      echo "behavior:"
      echo "  scaleUp: {stabilizationWindowSeconds: 0}"
      echo "  scaleDown: {stabilizationWindowSeconds: $window}"
    fi
  } >"$out/policies/$name.yaml"
}

# variant KNOB VALUE [NAME SETTING...]: one row of the table, run as the policy file NAME with the SETTINGs; without
# them the value is the default, whose row is slo-default's.
variant() {
  local knob=$1 value=$2
  if [ "$#" -eq 2 ]; then
    printf '%s\t%s\tslo-default\t1\n' "$knob" "$value" >>"$manifest"
    return
  fi
  write_policy "${@:3}"
  printf '%s\t%s\t%s\t0\n' "$knob" "$value" "$3" >>"$manifest"
}

write_policy slo-default
write_policy slo-explicit window=15 'sampleInterval: 10s' 'headroomQuantile: 0.95' 'forecast: auto'
printf 'same\tslo-default\tslo\nsame\tslo-explicit\tslo\n' >"$manifest"

variant headroomQuantile 0.9 headroom-0.9 'headroomQuantile: 0.9'
variant headroomQuantile 0.95
variant headroomQuantile 0.99 headroom-0.99 'headroomQuantile: 0.99'
for w in 0 15 30 60 300; do
  if [ "$w" = 15 ]; then variant "scale-down window" "$w s"; else variant "scale-down window" "$w s" "window-$w" "window=$w"; fi
done
for v in 5s 10s 20s 30s; do
  if [ "$v" = 10s ]; then variant sampleInterval "$v"; else variant sampleInterval "$v" "sample-$v" "sampleInterval: $v"; fi
done
for v in 10s 15s 25s 40s; do
  if [ "$v" = 15s ]; then variant horizon "$v"; else variant horizon "$v" "horizon-$v" "horizon: $v"; fi
done
for v in 10s 15s 30s 1m; do
  if [ "$v" = 15s ]; then variant "demand rate window" "$v"; else variant "demand rate window" "$v" "rate-$v" "rate=$v"; fi
done
variant forecast auto
variant forecast none forecast-none 'forecast: none'
variant capacity learnt
variant capacity declared capacity-declared declared

if [ -n "${KEEP_POLICIES:-}" ]; then
  mkdir -p "$KEEP_POLICIES" && cp "$out"/policies/*.yaml "$KEEP_POLICIES"/
  echo "==> policy files in $KEEP_POLICIES" >&2
fi

args=(--policy slo)
for f in "$out"/policies/*.yaml; do args+=(--policy "$f"); done
echo "==> $(( ${#args[@]} / 2 )) policies: slo and $(cd "$out/policies" && ls | sed 's/\.yaml$//' | tr '\n' ' ')" >&2

start=$(date +%s)
echo "==> load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for scenario in "${scenarios[@]}"; do
  name=$(basename "$scenario" .yaml)
  echo "==> $name" >&2
  rc=0
  "$autoscaler" simulate "$scenario" "${args[@]}" --output "$out/runs/$name" >"$out/$name.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "bench/policies/sensitivity.sh: autoscaler simulate $name failed with exit code $rc; docs/benchmarks.md is unchanged:" >&2
    tail -n 20 "$out/$name.log" | sed 's/^/    /' >&2
    exit 1
  fi
done
wall=$(( $(date +%s) - start ))
echo "==> simulated ${#scenarios[@]} scenarios in ${wall} s; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 "$here/tables.py" sensitivity "$out/runs" "$repo/docs/benchmarks.md" "$wall" "bench/policies/sensitivity.sh" "$manifest"
