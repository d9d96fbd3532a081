#!/usr/bin/env bash
# Policies on the benchmark suite (docs/benchmarks.md#policies-on-the-benchmark-suite): every
# scenarios/benchmark/*.yaml through `autoscaler simulate` under each policy in $POLICIES, one markdown table of
# cost ratio to the oracle, SLO violation time and dropped requests, written between the markers
# <!-- policies:begin --> and <!-- policies:end --> of docs/benchmarks.md and printed.
# The benchmark scenarios list no policies of their own, so each run holds exactly these policies and the oracle.
# Usage: [POLICIES="threshold hpa predictive slo"] bench/policies/run.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
read -r -a policies <<<"${POLICIES:-threshold hpa predictive slo}"
if [ "${#policies[@]}" -eq 0 ]; then
  echo "bench/policies/run.sh: POLICIES is empty; name at least one policy, e.g. POLICIES=\"hpa predictive\"" >&2
  exit 2
fi

scenarios=("$repo"/scenarios/benchmark/*.yaml)
[ -e "${scenarios[0]}" ] || { echo "bench/policies/run.sh: no scenarios in $repo/scenarios/benchmark" >&2; exit 1; }

build_release
out=$(mktemp -d)
trap 'rm -rf "$out"; stop_all' EXIT
args=()
for p in "${policies[@]}"; do args+=(--policy "$p"); done

start=$(date +%s)
echo "==> load average: $(cut -d' ' -f1-3 /proc/loadavg); policies: ${policies[*]}" >&2
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

python3 - "$out" "$repo/docs/benchmarks.md" "$wall" "${policies[@]}" <<'PY'
import datetime, json, os, sys

out, doc, wall, policies = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

def result_name(policy):
    # A built-in keeps its name; a policy file is named after the file without its extension.
    return os.path.splitext(os.path.basename(policy))[0] if "/" in policy or policy.endswith((".yaml", ".yml")) else policy

names = [result_name(p) for p in policies]
runs = []
for entry in sorted(os.listdir(out)):
    path = os.path.join(out, entry, "summary.json")
    if os.path.isfile(path):
        with open(path) as f:
            runs.append(json.load(f))

def duration(seconds):
    return f"{seconds / 86400:g} d" if seconds >= 86400 else f"{seconds / 3600:g} h" if seconds >= 3600 else f"{seconds / 60:g} min"

scores = {}
for run in runs:
    got = [p["policy"] for p in run["policies"]]
    expected = ["oracle"] + names
    if sorted(got) != sorted(expected):
        sys.exit(f"bench/policies/run.sh: {run['scenario']} ran {', '.join(got)}; expected {', '.join(expected)} "
                 "(a benchmark scenario must list no policies of its own: policies: [])")
    scores[run["scenario"]] = {p["policy"]: p for p in run["policies"]}

header = "| scenario | " + " | ".join(f"{n}: ×oracle | viol % | dropped" for n in names) + " |"
rule = "| --- | " + " | ".join("---: | ---: | ---:" for _ in names) + " |"
rows = []
for run in runs:
    cells = []
    for n in names:
        s = scores[run["scenario"]][n]
        cells += [f"{s['costRatioToOracle']:.2f}", f"{s['sloViolationPercent']:.2f}", f"{s['droppedRequests']:,}"]
    rows.append(f"| `{run['scenario']}` ({duration(run['durationSeconds'])}) | " + " | ".join(cells) + " |")

summary = ["| policy | mean ×oracle | worst viol % | mean viol % |", "| --- | ---: | ---: | ---: |"]
for n in names:
    ratios = [scores[r["scenario"]][n]["costRatioToOracle"] for r in runs]
    viols = [scores[r["scenario"]][n]["sloViolationPercent"] for r in runs]
    summary.append(f"| {n} | {sum(ratios) / len(ratios):.2f} | {max(viols):.2f} | {sum(viols) / len(viols):.2f} |")

today = datetime.date.today().isoformat()
load = open("/proc/loadavg").read().split()[0]
command = "bench/policies/run.sh" if policies == ["threshold", "hpa", "predictive", "slo"] else f'POLICIES="{" ".join(policies)}" bench/policies/run.sh'
block = "\n".join([
    f"Run {today} (`{command}`, {len(runs)} scenarios simulated in {wall} s wall, load average {load} at the end):",
    "",
    header, rule, *rows,
    "",
    *summary,
])
print(block)

with open(doc) as f:
    text = f.read()
begin, end = "<!-- policies:begin -->", "<!-- policies:end -->"
if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
    sys.exit(f"bench/policies/run.sh: {doc} needs exactly one {begin} followed by one {end}; the table is above, the file unchanged")
head, rest = text.split(begin)
_, tail = rest.split(end)
with open(doc, "w") as f:
    f.write(f"{head}{begin}\n{block}\n{end}{tail}")
print(f"==> wrote the table into {doc}", file=sys.stderr)
PY
