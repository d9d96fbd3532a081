using System.Text.Json;
using Autoscaler.Core;
using Autoscaler.Core.Queueing;
using Autoscaler.Simulation.Output;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Workloads;
using Autoscaler.Testing;

namespace Autoscaler.Simulation.Tests.Runner;

/// <summary>Which policy a run recommends: the cheapest that meets the SLO, never merely the cheapest.</summary>
public sealed class SloRankingTests
{
    // 100 req/s on replicas of 40 req/s each: two replicas (80 req/s) are overloaded, four and six keep the SLO.
    private static SimulationResult RunFixedFleets(TempDirectory temp)
    {
        foreach (var (name, replicas) in new[] { ("six", 6), ("two", 2), ("four", 4) })
        {
            File.WriteAllText(temp.File($"{name}.yaml"), $"minReplicas: {replicas}\nmaxReplicas: {replicas}\nmetrics:\n  - {{name: fleet, fixed: {replicas}}}\n");
        }

        var scenario = new Scenario
        {
            Name = "ranking",
            Duration = TimeSpan.FromMinutes(10),
            Workload = new ConstantRate(100),
            Slo = new SloSpec(0.5, LatencyStatistic.Mean, 0.01),
        }.WithPolicies(["six.yaml", "two.yaml", "four.yaml", "hpa"], temp.Path);
        return SimulationRunner.Run(scenario, cancellationToken: TestContext.Current.CancellationToken);
    }

    [Fact]
    public void The_best_policy_is_the_cheapest_that_meets_the_slo_when_the_cheapest_breaks_it()
    {
        using var temp = new TempDirectory();

        var result = RunFixedFleets(temp);

        var score = result.Policies.ToDictionary(p => p.Score.Policy, p => p.Score);
        var cheapest = result.Policies.Where(p => !p.IsOracle).MinBy(p => p.Score.ReplicaSeconds)!.Score;
        Assert.Equal("two", cheapest.Policy);
        Assert.False(cheapest.MeetsSlo);
        Assert.Equal(2, result.Slo.Breaches(cheapest).Count); // in violation nearly all the run, and a fifth of the requests dropped
        Assert.InRange(cheapest.ErrorRate, 0.15, 0.25);
        Assert.True(score["four"].MeetsSlo && score["six"].MeetsSlo);
        Assert.Equal("four", result.Best!.Score.Policy);
        Assert.Contains("two", result.CheaperButFailing.Select(p => p.Score.Policy));
        Assert.All(result.CheaperButFailing, p => Assert.True(!p.Score.MeetsSlo && p.Score.ReplicaSeconds <= score["four"].ReplicaSeconds));

        // The oracle meets the SLO more cheaply still, but it is the bound, never the recommendation.
        Assert.True(score["oracle"].MeetsSlo);
        Assert.True(score["oracle"].ReplicaSeconds < score["four"].ReplicaSeconds);
    }

    [Fact]
    public void Summary_json_states_the_verdicts_the_best_policy_the_parameters_and_the_version()
    {
        using var temp = new TempDirectory();

        var result = RunFixedFleets(temp);
        using var summary = JsonDocument.Parse(SimulationOutput.Summary(result));

        var root = summary.RootElement;
        Assert.Equal(BuildInfo.Description, root.GetProperty("version").GetString());
        Assert.Equal("four", root.GetProperty("best").GetString());
        Assert.Equal(0.01, root.GetProperty("slo").GetProperty("violationBudget").GetDouble());
        var policies = root.GetProperty("policies").EnumerateArray().ToDictionary(p => p.GetProperty("policy").GetString()!);
        Assert.False(policies["two"].GetProperty("meetsSlo").GetBoolean());
        Assert.True(policies["four"].GetProperty("meetsSlo").GetBoolean());
        var breaches = policies["two"].GetProperty("sloBreaches").EnumerateArray().Select(b => b.GetString()!).ToList();
        Assert.Equal(2, breaches.Count);
        Assert.StartsWith("violates it 9m", breaches[0], StringComparison.Ordinal);
        Assert.StartsWith("dropped ", breaches[1], StringComparison.Ordinal);
        Assert.Empty(policies["four"].GetProperty("sloBreaches").EnumerateArray());
        Assert.True(policies["two"].GetProperty("offeredRequests").GetInt64() is >= 59_000 and <= 61_000);

        // What each ran with, defaults filled in: the file gave no check interval, so the scaler's 10 s.
        var four = policies["four"].GetProperty("parameters");
        Assert.Equal(4, four.GetProperty("maxReplicas").GetDouble());
        Assert.Equal("10s", four.GetProperty("checkInterval").GetString());
        Assert.Equal(4, four.GetProperty("metrics")[0].GetProperty("fixed").GetDouble());
        Assert.Equal("hold", four.GetProperty("metrics")[0].GetProperty("onError").GetString());
        var hpa = policies["hpa"].GetProperty("parameters");
        Assert.Equal("15s", hpa.GetProperty("checkInterval").GetString());
        Assert.Equal(30, hpa.GetProperty("metrics")[0].GetProperty("target").GetProperty("value").GetDouble());
        Assert.Equal(300, hpa.GetProperty("behavior").GetProperty("scaleDown").GetProperty("stabilizationWindowSeconds").GetDouble());
        var oracle = policies["oracle"].GetProperty("parameters");
        Assert.Equal("oracle", oracle.GetProperty("rule").GetString());
        Assert.Equal(SimulationRunner.OracleRequestsPerReplica(new Scenario { Duration = TimeSpan.FromMinutes(1), Workload = new ConstantRate(1), Slo = result.Slo }),
            oracle.GetProperty("requestsPerReplica").GetDouble(), 3);
        Assert.Equal("5s", oracle.GetProperty("lookahead").GetString());
    }

    [Theory]
    [InlineData(1.0, 0.0, true)]   // in violation exactly the budget: meets
    [InlineData(1.01, 0.0, false)] // a little over it
    [InlineData(0.0, 0.01, true)]  // dropped exactly the error rate allowed
    [InlineData(0.0, 0.011, false)]
    public void A_policy_meets_the_slo_within_the_violation_budget_and_the_error_rate(double violationPercent, double errorRate, bool meets)
    {
        var slo = new SloSpec(0.3, LatencyStatistic.Mean, 0.01, ViolationBudget: 0.01);
        var score = new PolicyScore { Policy = "p", SloViolationPercent = violationPercent, SloViolationSeconds = violationPercent * 36, ErrorRate = errorRate };

        Assert.Equal(meets, slo.Breaches(score).Count == 0);
    }
}
