using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Testing;

namespace Autoscaler.Simulation.Tests.Runner;

/// <summary>
/// Pause, schedule windows and formulas in virtual time: the pipeline reads the simulator's clock, so a policy file
/// runs in a simulation exactly as it would live (a simulation starts at 2025-01-01 00:00 UTC, a Wednesday).
/// </summary>
public sealed class PauseScheduleFormulaTests : IDisposable
{
    private const string RequestRate = "sum(rate(webapp_request_count_total[30s]))";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_schedule_window_raises_the_minimum_in_virtual_time_and_only_while_open()
    {
        var policy = Policy("window.yaml", $$$"""
            minReplicas: 1
            maxReplicas: 6
            behavior: {}
            metrics: [{name: rps, query: "{{{RequestRate}}}", target: {value: 30, type: AverageValue}}]
            schedules:
              - {name: one-to-two, start: "0 1 * * *", end: "0 2 * * *", minReplicas: 4}
            """);

        var run = Single(Scenario("duration: 3h\nworkload: {type: constant, rate: 10}", policy));

        Assert.All(run.Series.Where(p => p.Seconds < 3600 - 60), p => Assert.Equal(1, p.DesiredReplicas));
        Assert.All(run.Series.Where(p => p.Seconds is > 3600 + 60 and < 7200 - 60), p => Assert.Equal(4, p.DesiredReplicas));
        Assert.All(run.Series.Where(p => p.Seconds > 7200 + 60), p => Assert.Equal(1, p.DesiredReplicas));
        Assert.Equal(2, run.Score.ScaleActions);
    }

    [Fact]
    public void A_policy_that_starts_paused_holds_its_count_through_a_load_that_would_move_it()
    {
        var policy = Policy("paused.yaml", $$$"""
            minReplicas: 1
            maxReplicas: 6
            pausedReplicas: 2
            metrics: [{name: rps, query: "{{{RequestRate}}}", target: {value: 30, type: AverageValue}}]
            """);

        var run = Single(Scenario("duration: 20m\nworkload: {type: step, steps: '0s=10,5m=150,12m=10'}", policy));

        Assert.All(run.Series, p => Assert.Equal(2, p.DesiredReplicas));
        Assert.True(run.Score.DroppedRequests > 0, "150 req/s on two replicas must drop requests, or the test shows nothing");
    }

    [Fact]
    public void A_formula_of_one_metric_decides_exactly_as_that_metric_with_the_same_target()
    {
        var plain = Policy("plain.yaml", $$$"""
            maxReplicas: 8
            metrics: [{name: rps, query: "{{{RequestRate}}}", target: {value: 30, type: AverageValue}}]
            """);
        var formula = Policy("formula.yaml", $$$"""
            maxReplicas: 8
            metrics: [{name: rps, query: "{{{RequestRate}}}"}]
            formula: {expression: "rps", target: {value: 30, type: AverageValue}}
            """);
        var scenario = Scenario("duration: 30m\nworkload: {type: step, steps: '0s=20,5m=150,15m=40'}", plain, formula);

        var result = SimulationRunner.Run(scenario, cancellationToken: TestContext.Current.CancellationToken);

        var a = Assert.Single(result.Policies, p => p.Score.Policy == "plain").Score;
        var b = Assert.Single(result.Policies, p => p.Score.Policy == "formula").Score;
        Assert.Equal(a with { Policy = "formula" }, b);
        Assert.True(a.ScaleActions >= 2, "the load must move the count, or the comparison shows nothing");
    }

    [Fact]
    public void A_formula_combining_two_simulated_metrics_scales_on_their_composite()
    {
        // Half the request rate per 30 req/s, plus the queue in units of 10: the queue adds replicas when it builds.
        var formula = Policy("combined.yaml", $$$"""
            maxReplicas: 10
            metrics:
              - {name: rps, query: "{{{RequestRate}}}"}
              - {name: queue, query: "sum(webapp_queue_length)"}
            formula: {expression: "rps / 30 + queue / 10", target: {value: 1, type: AverageValue}}
            """);

        var run = Single(Scenario("duration: 20m\nworkload: {type: step, steps: '0s=20,5m=150'}", formula));

        var late = run.Series.Where(p => p.Seconds > 15 * 60).ToList();
        Assert.All(late, p => Assert.InRange(p.DesiredReplicas, 5, 10));
    }

    private string Policy(string name, string yaml)
    {
        File.WriteAllText(_dir.File(name), yaml);
        return name;
    }

    private Scenario Scenario(string body, params string[] policies)
    {
        var path = _dir.File("scenario.yaml");
        File.WriteAllText(path, $$"""
            {{body}}
            seed: 1
            service: {startupDelay: 5s}
            slo: {latency: 500ms, statistic: mean, maxErrorRate: 0.01}
            replicas: {min: 1, max: 10, initial: 1}
            policies: [{{string.Join(", ", policies)}}]
            """);
        return ScenarioFile.Load(path);
    }

    private static Results.PolicyRun Single(Scenario scenario)
    {
        var result = SimulationRunner.Run(scenario, cancellationToken: TestContext.Current.CancellationToken);
        return Assert.Single(result.Policies, p => p.Score.Policy != BuiltInPolicies.Oracle);
    }
}
