using Autoscaler.Core.Policies;
using Autoscaler.Core.PolicyFiles;

namespace Autoscaler.Core.Tests.PolicyFiles;

/// <summary><c>paused</c>, <c>pausedReplicas</c>, <c>schedules</c> and <c>formula</c> in the native policy file.</summary>
public sealed class PauseScheduleFormulaFileTests
{
    private const string Full = """
        minReplicas: 1
        maxReplicas: 12
        pausedReplicas: 3
        metrics:
          - name: p2d_ratio
            query: sum(rate(published_total[1m])) / sum(rate(delivered_total[1m]))
          - name: qlen
            query: sum(queue_length)
            ignoreNullValues: true
        formula:
          name: pressure
          expression: "max(p2d_ratio, qlen / 1000)"
          target: {value: 1.2, type: Value, tolerance: 0.05}
          activationThreshold: 0.5
          onError: fallback
          fallback: {failureThreshold: 3, replicas: 6}
        schedules:
          - name: business-hours
            start: "0 8 * * 1-5"
            end: "0 18 * * 1-5"
            timeZone: Europe/Berlin
            minReplicas: 4
          - start: "30 2 * * *"
            duration: 1h30m
            maxReplicas: 2
        """;

    [Fact]
    public void Every_field_is_read()
    {
        var spec = PolicyFile.Parse(Full);

        Assert.Equal((3, false), (spec.PausedReplicas, spec.Paused));
        var f = spec.Formula!;
        Assert.Equal(("pressure", "max(p2d_ratio, qlen / 1000)", 1.2, TargetType.Value, 0.05, 0.5), (f.Name, f.Expression, f.Target.Target, f.Target.Type, f.Target.Tolerance, f.ActivationThreshold));
        Assert.Equal((3, 6), (f.OnFailure.FallbackAfter, f.OnFailure.FallbackReplicas));
        Assert.Equal(["input", "input"], spec.Metrics.Select(m => m.Rule));
        Assert.True(spec.Metrics[1].OnFailure.IgnoreNullValues);
        var (day, night) = (spec.Schedules[0], spec.Schedules[1]);
        Assert.Equal(("business-hours", "0 8 * * 1-5", "0 18 * * 1-5", "Europe/Berlin", 4, (int?)null), (day.Name, day.Start, day.End, day.TimeZone, day.MinReplicas, day.MaxReplicas));
        Assert.Equal(("schedules[1]", TimeSpan.FromMinutes(90), "UTC", (int?)null, 2), (night.Name, night.Duration!.Value, night.TimeZone, night.MinReplicas, night.MaxReplicas));
    }

    [Fact]
    public void What_is_written_reads_back_the_same()
    {
        var written = PolicyFile.Write(PolicyFile.Parse(Full));
        Assert.Equal(written, PolicyFile.Write(PolicyFile.Parse(written)));
        Assert.Contains("pausedReplicas: 3", written, StringComparison.Ordinal);
        Assert.Contains("expression: max(p2d_ratio, qlen / 1000)", written, StringComparison.Ordinal);
        Assert.Contains("duration: 5400s", written, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""
        metrics: [{name: a, query: q}, {name: b, query: q}]
        formula: {expression: a + c, target: {value: 1}}
        """, "policy.yaml:2:27: formula.expression: 'c' is neither a metric of this policy (a, b) nor a function (min, max, abs, ceil, floor, round)")]
    [InlineData("""
        metrics: [{name: a, query: q}]
        formula:
          expression: (a +
          target: {value: 1}
        """, "policy.yaml:3:19: formula.expression: the expression is incomplete or an operator is misplaced")]
    [InlineData("""
        metrics: [{name: a, query: q}]
        formula: {expression: a > 1, target: {value: 1}}
        """, "policy.yaml:2: formula.expression: gives true or false, not a number")]
    [InlineData("""
        metrics: [{name: a, query: q}]
        formula: {expression: a}
        """, "policy.yaml:2: formula.target: is required")]
    [InlineData("""
        metrics:
          - {name: a, query: q, target: {value: 1}}
        formula: {expression: a, target: {value: 1}}
        """, "policy.yaml:2: metrics[0].target: with a formula, the metrics only feed it: drop this rule")]
    [InlineData("""
        metrics:
          - {name: a, query: q, onError: hold}
        formula: {expression: a, target: {value: 1}}
        """, "policy.yaml:2: metrics[0].onError: with a formula, set onError on the formula, not on its inputs")]
    [InlineData("""
        metrics: [{name: a, query: q}]
        formula: {name: a, expression: a, target: {value: 1}}
        """, "policy.yaml:2: formula.name: 'a' is the name of a metric")]
    [InlineData("""
        metrics: [{name: a, query: q}]
        """, "policy.yaml:1: metrics[0].threshold|target|predictive|slo|fixed: say which policy")]
    public void A_bad_formula_is_named_with_its_line_and_field(string yaml, string problem)
    {
        var e = Assert.Throws<PolicyFileException>(() => PolicyFile.Parse(yaml, "policy.yaml"));
        Assert.Contains(e.Problems, p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("- {start: \"0 25 * * *\", duration: 1h, minReplicas: 2}", "policy.yaml:4: schedules[0].start: '0 25 * * *' is not a cron expression (Hours: Value must be a number between 0 and 23")]
    [InlineData("- {start: \"0 8 30 2 *\", duration: 1h, minReplicas: 2}", "policy.yaml:4: schedules[0].start: '0 8 30 2 *' never occurs")]
    [InlineData("- {start: \"0 8 * * *\", minReplicas: 2}", "policy.yaml:4: schedules[0].end: say when the window closes: end (a cron expression) or duration (e.g. 10h)")]
    [InlineData("- {start: \"0 8 * * *\", end: \"0 9 * * *\", duration: 1h, minReplicas: 2}", "policy.yaml:4: schedules[0].duration: give end or duration, not both")]
    [InlineData("- {start: \"0 8 * * *\", duration: 1h}", "policy.yaml:4: schedules[0].minReplicas: a window sets minReplicas, maxReplicas or both")]
    [InlineData("- {start: \"0 8 * * *\", duration: 1h, timeZone: Mars/Olympus, minReplicas: 2}", "policy.yaml:4: schedules[0].timeZone: 'Mars/Olympus' is not a time zone")]
    [InlineData("- {start: \"0 8 * * *\", duration: 1h, minReplicas: 8}", "policy.yaml:4: schedules[0].minReplicas: 8 exceeds the policy's maximum 6; set maxReplicas in this window too")]
    [InlineData("- {start: \"0 8 * * *\", duration: 1h, maxReplicas: 1}", "policy.yaml:4: schedules[0].maxReplicas: 1 is below the policy's minimum 2; set minReplicas in this window too")]
    [InlineData("- {start: \"0 8 * * *\", duration: 1h, minReplicas: 5, maxReplicas: 4}", "policy.yaml:4: schedules[0].minReplicas: 5 must not exceed maxReplicas 4 of the same window")]
    [InlineData("- {start: \"0 8 * * *\", duration: 1h, minReplicas: 3, every: day}", "policy.yaml:4: schedules[0].every: unknown field")]
    public void A_bad_window_is_named_with_its_line_and_field(string window, string problem)
    {
        var yaml = $"minReplicas: 2\nmetrics: [{{name: a, query: q, target: {{value: 1}}}}]\nschedules:\n  {window}\n";
        var e = Assert.Throws<PolicyFileException>(() => PolicyFile.Parse(yaml, "policy.yaml"));
        Assert.Contains(e.Problems, p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void Two_windows_with_one_name_are_refused()
    {
        var yaml = """
            metrics: [{name: a, query: q, target: {value: 1}}]
            schedules:
              - {name: w, start: "0 8 * * *", duration: 1h, minReplicas: 2}
              - {name: w, start: "0 20 * * *", duration: 1h, minReplicas: 2}
            """;
        var e = Assert.Throws<PolicyFileException>(() => PolicyFile.Parse(yaml, "policy.yaml"));
        Assert.Contains("policy.yaml:4: schedules[1].name: 'w' is used by another window", e.Problems);
    }

    [Theory]
    [InlineData("pausedReplicas: 7", "policy.yaml:1: pausedReplicas: 7 is above maxReplicas 6")]
    [InlineData("pausedReplicas: -1", "policy.yaml:1: pausedReplicas: -1 must be between 0 and 10000")]
    [InlineData("paused: yes", "policy.yaml:1: paused: 'yes' is not true or false")]
    [InlineData("paused: false\npausedReplicas: 2", "policy.yaml:1: paused: false contradicts pausedReplicas: 2; drop one of them")]
    public void A_bad_pause_is_named_with_its_line_and_field(string fields, string problem)
    {
        var e = Assert.Throws<PolicyFileException>(() => PolicyFile.Parse($"{fields}\nmetrics: [{{name: a, query: q, target: {{value: 1}}}}]", "policy.yaml"));
        Assert.Contains(problem, e.Problems);
    }
}
