#!/usr/bin/env bash
# Policies on a suite of scenarios: every scenario of the suite through `autoscaler simulate` under each policy in
# $POLICIES, one markdown table of cost ratio to the oracle, SLO violation time and dropped requests, written between
# the suite's markers in docs/benchmarks.md and printed (bench/policies/tables.py builds it).
# SUITE chooses the scenarios:
#   benchmark (default)  scenarios/benchmark/*.yaml, markers <!-- policies:begin --> / <!-- policies:end -->
#                        (docs/benchmarks.md#policies-on-the-benchmark-suite)
#   heldout              bench/policies/heldout/*.yaml, shapes the slo rule's defaults were not chosen on, markers
#                        <!-- heldout:begin --> / <!-- heldout:end --> (docs/benchmarks.md#policies-on-held-out-shapes)
# The scenarios list no policies of their own, so each run holds exactly these policies and the oracle.
# Usage: [SUITE=benchmark|heldout] [POLICIES="threshold hpa predictive slo"] bench/policies/run.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
read -r -a policies <<<"${POLICIES:-threshold hpa predictive slo}"
if [ "${#policies[@]}" -eq 0 ]; then
  echo "bench/policies/run.sh: POLICIES is empty; name at least one policy, e.g. POLICIES=\"hpa predictive\"" >&2
  exit 2
fi

here="$repo/bench/policies"
suite=${SUITE:-benchmark}
case "$suite" in
  benchmark) dir="$repo/scenarios/benchmark"; marker=policies ;;
  heldout) dir="$here/heldout"; marker=heldout ;;
  *) echo "bench/policies/run.sh: SUITE=$suite is neither benchmark nor heldout" >&2; exit 2 ;;
esac
scenarios=("$dir"/*.yaml)
[ -e "${scenarios[0]}" ] || { echo "bench/policies/run.sh: no scenarios in $dir" >&2; exit 1; }

build_release
out=$(mktemp -d)
trap 'rm -rf "$out"; stop_all' EXIT
args=()
for p in "${policies[@]}"; do args+=(--policy "$p"); done

start=$(date +%s)
echo "==> load average: $(cut -d' ' -f1-3 /proc/loadavg); suite: $suite; policies: ${policies[*]}" >&2
failed=()
for scenario in "${scenarios[@]}"; do
  name=$(basename "$scenario" .yaml)
  echo "==> $name" >&2
  rc=0
  "$autoscaler" simulate "$scenario" "${args[@]}" --output "$out/$name" >"$out/$name.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "    failed with exit code $rc:" >&2
    tail -n 20 "$out/$name.log" | sed 's/^/    /' >&2
    failed+=("$name")
  fi
done
wall=$(( $(date +%s) - start ))
if [ "${#failed[@]}" -gt 0 ]; then
  echo "bench/policies/run.sh: autoscaler simulate failed for ${failed[*]} (above); docs/benchmarks.md is unchanged" >&2
  exit 1
fi
echo "==> simulated ${#scenarios[@]} scenarios in ${wall} s; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

command="bench/policies/run.sh"
[ "$suite" = benchmark ] || command="SUITE=$suite $command"
[ "${policies[*]}" = "threshold hpa predictive slo" ] || command="POLICIES=\"${policies[*]}\" $command"
python3 "$here/tables.py" suite "$out" "$repo/docs/benchmarks.md" "$wall" "$marker" "$command" "${policies[@]}"
