using Autoscaler.Core.PolicyFiles;
using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;

namespace Autoscaler.Simulation.Tests.Runner;

/// <summary>The oracle is the cost lower bound: nothing that keeps the SLO runs fewer replica-seconds.</summary>
public sealed class OracleTests
{
    // Scenarios of one service; FleetRunnerTests hold a fleet's oracles to the same rule.
    public static TheoryData<string> Shipped() => [.. ShippedScenarios.All().Where(f => !ScenarioFile.Load(f).IsFleet), .. ShippedScenarios.Benchmark(), .. ShippedScenarios.HeldOut()];

    [Theory]
    [MemberData(nameof(Shipped))]
    public void No_policy_without_SLO_violations_beats_the_oracle_on_cost(string file)
    {
        var scenario = ScenarioFile.Load(file);
        if (scenario.Policies.Count == 0)
        {
            // A benchmark scenario leaves its policies to bench/policies/run.sh; compare the built-in ones.
            scenario = scenario.WithPolicies([BuiltInPolicies.Threshold, BuiltInPolicies.Hpa, BuiltInPolicies.Predictive, BuiltInPolicies.Slo], ShippedScenarios.Directory);
        }

        // Besides the scenario's own policies, a static fleet sized for the peak: it never violates, so the
        // comparison always has at least one policy with zero violations.
        var peak = (int)Math.Ceiling(ShippedScenarios.PeakDemand(scenario) / SimulationRunner.OracleRequestsPerReplica(scenario));
        var staticPeak = new PolicySpec
        {
            MinReplicas = peak,
            MaxReplicas = peak,
            Metrics = [new MetricSpec { Name = "peak", Fixed = peak }],
        };
        var result = SimulationRunner.Run(
            scenario with { Policies = [.. scenario.Policies, new PolicyChoice("static-peak", staticPeak)] },
            cancellationToken: TestContext.Current.CancellationToken);

        var oracle = Assert.Single(result.Policies, p => p.Score.Policy == BuiltInPolicies.Oracle).Score;
        Assert.Equal(0, oracle.SloViolationSeconds);
        Assert.Equal(1, oracle.CostRatioToOracle);
        var keepers = result.Policies.Select(p => p.Score).Where(s => s.SloViolationSeconds == 0).ToList();
        Assert.Contains(keepers, s => s.Policy == "static-peak");
        foreach (var score in keepers)
        {
            Assert.True(score.ReplicaSeconds >= oracle.ReplicaSeconds,
                $"{Path.GetFileName(file)}: {score.Policy} kept the SLO with {score.ReplicaSeconds} replica-seconds, fewer than the oracle's {oracle.ReplicaSeconds}");
        }
    }
}
