#!/usr/bin/env bash
# autoscaler tune (issue 16; docs/benchmarks.md#tune):
#   1. speed: the 7-day scenarios/benchmark/week.yaml, 200 candidates, timed end to end by /usr/bin/time;
#   2. quality: every scenario of SUITE (scenarios/benchmark by default; heldout: bench/policies/heldout) tuned from
#      POLICY (deploy/policies/hpa-request-rate.yaml) with maxReplicas raised to the scenario's replicas.max, and one
#      markdown row per scenario: the original's and the tuned policy's cost ratio to the oracle and violation time on
#      the held part (the last 30 %, never seen by the search), which one is kept, and the fields changed.
# Usage: [SUITE=benchmark|heldout] [POLICY=FILE] [CANDIDATES=200] [SEED=0] bench/tune/run.sh [speed|quality|all]
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
what=${1:-all}
case "$what" in speed|quality|all) ;; *) echo "bench/tune/run.sh: $what is none of speed, quality, all" >&2; exit 2 ;; esac
suite=${SUITE:-benchmark}
case "$suite" in
  benchmark) dir="$repo/scenarios/benchmark" ;;
  heldout) dir="$repo/bench/policies/heldout" ;;
  *) echo "bench/tune/run.sh: SUITE=$suite is neither benchmark nor heldout" >&2; exit 2 ;;
esac
policy=${POLICY:-$repo/deploy/policies/hpa-request-rate.yaml}
candidates=${CANDIDATES:-200}
seed=${SEED:-0}
build_release
out=$(mktemp -d)
trap 'rm -rf "$out"; stop_all' EXIT

# The policy with maxReplicas raised to the scenario's replicas.max (tune leaves replica limits as written).
raised() {
  local scenario=$1 max
  max=$(sed -n 's/^replicas:.*max: *\([0-9][0-9]*\).*/\1/p' "$scenario")
  [ -n "$max" ] || { echo "bench/tune/run.sh: $scenario has no replicas.max on one line" >&2; exit 1; }
  sed "s/^maxReplicas: .*/maxReplicas: $max/" "$policy" >"$out/policy-$(basename "$scenario")"
  echo "$out/policy-$(basename "$scenario")"
}

echo "==> load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores" >&2
if [ "$what" != quality ]; then
  week="$repo/scenarios/benchmark/week.yaml"
  echo "==> speed: tune week.yaml (7 days at 1 s), $candidates candidates, seed $seed" >&2
  /usr/bin/time -f "    %e s wall, %U s user + %S s system CPU, %M KB peak RSS" \
    "$autoscaler" tune "$week" --policy "$(raised "$week")" --candidates "$candidates" --seed "$seed" --output "$out/speed" \
    >"$out/speed.txt" 2>"$out/speed.err" || { cat "$out/speed.err" >&2; exit 1; }
  grep -E "done in|wall" "$out/speed.err"
fi

if [ "$what" != speed ]; then
  echo "==> quality: $suite suite from $(basename "$policy"), $candidates candidates, seed $seed" >&2
  echo "| scenario | original ×oracle | original violation | tuned ×oracle | tuned violation | kept | fields changed | wall |"
  echo "| --- | ---: | ---: | ---: | ---: | --- | --- | ---: |"
  for scenario in "$dir"/*.yaml; do
    name=$(basename "$scenario" .yaml)
    "$autoscaler" tune "$scenario" --policy "$(raised "$scenario")" --candidates "$candidates" --seed "$seed" --output "$out/$name" \
      >"$out/$name.txt" 2>"$out/$name.err" || { echo "bench/tune/run.sh: tune $name failed:" >&2; cat "$out/$name.err" >&2; exit 1; }
    python3 - "$out/$name/summary.json" "$name" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
o, t = s["held"]["original"], s["held"]["tuned"]
changed = [f'{p["name"]} {p["original"]:g}→{p["tuned"]:g}' for p in s["parameters"] if p["original"] != p["tuned"]]
mark = lambda x: "" if x["meetsObjective"] else " (misses)"
print(f'| {sys.argv[2]} | {o["costRatioToOracle"]:.3f} | {o["sloViolationPercent"]:.2f} %{mark(o)} | {t["costRatioToOracle"]:.3f} | '
      f'{t["sloViolationPercent"]:.2f} %{mark(t)} | {s["kept"]} | {"; ".join(changed) or "none"} | {s["wallSeconds"]:.1f} s |')
PY
  done
fi
echo "==> load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
