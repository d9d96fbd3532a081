#!/usr/bin/env python3
"""The tables of bench/policies/run.sh and bench/policies/sensitivity.sh, in one place so that both read the runs,
check them and write docs/benchmarks.md the same way.

Each reads the summary.json of every `autoscaler simulate … --output OUT/SCENARIO` under OUT, builds markdown,
prints it and writes it between the markers <!-- NAME:begin --> and <!-- NAME:end --> of DOC (the file stays
unchanged when anything is wrong).

  tables.py suite OUT DOC WALL MARKER COMMAND POLICY...
      one row per scenario, cost ratio / violation / dropped per policy, then one summary row per policy
  tables.py sensitivity OUT DOC WALL COMMAND MANIFEST
      MANIFEST: tab-separated lines `knob value policy default(0|1)`, and `same policy reference` lines naming
      policies that must score exactly as another (e.g. a policy file against the built-in it copies)
"""
import datetime
import json
import os
import sys


def fail(script, message):
    sys.exit(f"{script}: {message}")


def result_name(policy):
    # A built-in keeps its name; a policy file is named after the file without its extension.
    return os.path.splitext(os.path.basename(policy))[0] if "/" in policy or policy.endswith((".yaml", ".yml")) else policy


def load_runs(out):
    runs = []
    for entry in sorted(os.listdir(out)):
        path = os.path.join(out, entry, "summary.json")
        if os.path.isfile(path):
            with open(path) as f:
                runs.append(json.load(f))
    return runs


def scores_by_scenario(runs, names, script):
    """{scenario: {policy: score}}, after checking that each run ran exactly the oracle and `names`."""
    scores = {}
    for run in runs:
        got = [p["policy"] for p in run["policies"]]
        expected = ["oracle"] + names
        if sorted(got) != sorted(expected):
            fail(script, f"{run['scenario']} ran {', '.join(got)}; expected {', '.join(expected)} "
                         "(a scenario of a suite must list no policies of its own: policies: [])")
        scores[run["scenario"]] = {p["policy"]: p for p in run["policies"]}
    return scores


def duration(seconds):
    return f"{seconds / 86400:g} d" if seconds >= 86400 else f"{seconds / 3600:g} h" if seconds >= 3600 else f"{seconds / 60:g} min"


def aggregate(runs, scores, name):
    """Mean cost ratio to the oracle, worst violation % and the scenario it was in, mean violation %."""
    ratios = [scores[r["scenario"]][name]["costRatioToOracle"] for r in runs]
    viols = [(scores[r["scenario"]][name]["sloViolationPercent"], r["scenario"]) for r in runs]
    worst = max(viols, key=lambda v: v[0])
    return sum(ratios) / len(ratios), worst[0], worst[1], sum(v for v, _ in viols) / len(viols)


def heading(command, runs, wall):
    today = datetime.date.today().isoformat()
    load = open("/proc/loadavg").read().split()[0]
    return f"Run {today} (`{command}`, {len(runs)} scenarios simulated in {wall} s wall, load average {load} at the end):"


def write_block(doc, marker, block, script):
    print(block)
    with open(doc) as f:
        text = f.read()
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        fail(script, f"{doc} needs exactly one {begin} followed by one {end}; the table is above, the file unchanged")
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    with open(doc, "w") as f:
        f.write(f"{head}{begin}\n{block}\n{end}{tail}")
    print(f"==> wrote the table into {doc}", file=sys.stderr)


def suite(out, doc, wall, marker, command, policies):
    script = "bench/policies/run.sh"
    names = [result_name(p) for p in policies]
    runs = load_runs(out)
    scores = scores_by_scenario(runs, names, script)

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
        ratio, worst, _, mean = aggregate(runs, scores, n)
        summary.append(f"| {n} | {ratio:.2f} | {worst:.2f} | {mean:.2f} |")

    block = "\n".join([heading(command, runs, wall), "", header, rule, *rows, "", *summary])
    write_block(doc, marker, block, script)


def sensitivity(out, doc, wall, command, manifest):
    script = "bench/policies/sensitivity.sh"
    variants, same = [], []
    with open(manifest) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if fields[0] == "same":
                same.append((fields[1], fields[2]))
            else:
                variants.append((fields[0], fields[1], fields[2], fields[3] == "1"))
    names = list(dict.fromkeys([v[2] for v in variants] + [n for pair in same for n in pair]))
    runs = load_runs(out)
    scores = scores_by_scenario(runs, names, script)

    # A copy must score exactly as what it copies, field for field, or the table would measure the copy.
    for policy, reference in same:
        for run in runs:
            a, b = scores[run["scenario"]][policy], scores[run["scenario"]][reference]
            differ = [k for k in b if k != "policy" and a.get(k) != b[k]]
            if differ:
                fail(script, f"{policy} and {reference} differ on {run['scenario']} in "
                             + ", ".join(f"{k} ({a.get(k)} against {b[k]})" for k in differ) + "; docs/benchmarks.md is unchanged")

    scenarios = [r["scenario"] for r in runs]
    summary = ["| knob | value | mean ×oracle | worst viol % | mean viol % |", "| --- | --- | ---: | ---: | ---: |"]
    detail = ["| knob | value | " + " | ".join(f"`{s}`" for s in scenarios) + " |",
              "| --- | --- | " + " | ".join("---:" for _ in scenarios) + " |"]
    for knob, value, policy, default in variants:
        shown = f"**{value}**" if default else value
        ratio, worst, where, mean = aggregate(runs, scores, policy)
        summary.append(f"| {knob} | {shown} | {ratio:.3f} | {worst:.2f} (`{where}`) | {mean:.2f} |")
        cells = [f"{scores[s][policy]['costRatioToOracle']:.2f} / {scores[s][policy]['sloViolationPercent']:.2f}" for s in scenarios]
        detail.append(f"| {knob} | {shown} | " + " | ".join(cells) + " |")

    checks = "; ".join(f"`{p}` scored exactly as `{r}` on every scenario" for p, r in same)
    block = "\n".join([
        heading(command, runs, wall), "",
        *summary, "",
        "Per scenario, ×oracle / viol %:", "",
        *detail, "",
        f"Checks: {checks}." if checks else "",
    ]).rstrip("\n")
    write_block(doc, "sensitivity", block, script)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "suite":
        suite(args[0], args[1], args[2], args[3], args[4], args[5:])
    elif command == "sensitivity":
        sensitivity(*args)
    else:
        sys.exit(f"tables.py: unknown table '{command}': suite or sensitivity")
