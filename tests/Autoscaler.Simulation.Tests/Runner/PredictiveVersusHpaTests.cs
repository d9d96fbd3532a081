using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;

namespace Autoscaler.Simulation.Tests.Runner;

/// <summary>
/// The predictive policy's promise (docs/simulation.md#the-predictive-baseline): on the shipped diurnal scenarios it
/// runs fewer replica-seconds than <c>hpa</c> without more SLO violation time.
/// </summary>
public sealed class PredictiveVersusHpaTests
{
    [Theory]
    [InlineData("diurnal-sine.yaml")]
    [InlineData("diurnal-week.yaml")]
    public void On_a_shipped_diurnal_scenario_predictive_costs_less_than_hpa_at_no_more_SLO_violation(string file)
    {
        var scenario = ScenarioFile.Load(ShippedScenarios.Named(file));
        Assert.Contains(scenario.Policies, p => p.Name == BuiltInPolicies.Predictive);
        Assert.Contains(scenario.Policies, p => p.Name == BuiltInPolicies.Hpa);

        var result = SimulationRunner.Run(scenario, cancellationToken: TestContext.Current.CancellationToken);

        var hpa = Assert.Single(result.Policies, p => p.Score.Policy == BuiltInPolicies.Hpa).Score;
        var predictive = Assert.Single(result.Policies, p => p.Score.Policy == BuiltInPolicies.Predictive).Score;
        Assert.True(predictive.ReplicaSeconds < hpa.ReplicaSeconds,
            $"{file}: predictive ran {predictive.ReplicaSeconds} replica-seconds, hpa {hpa.ReplicaSeconds}");
        Assert.True(predictive.SloViolationSeconds <= hpa.SloViolationSeconds,
            $"{file}: predictive violated the SLO for {predictive.SloViolationSeconds} s, hpa for {hpa.SloViolationSeconds} s");
    }
}
