using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;

namespace Autoscaler.Simulation.Tests.Runner;

/// <summary>
/// The <c>slo</c> rule's promise on the benchmark suite (docs/benchmarks.md): with its defaults it keeps the SLO where
/// every reactive policy breaks it, and it costs less than <c>hpa</c>.
/// </summary>
public sealed class SloPolicyTests
{
    [Fact]
    public void On_the_on_off_batch_load_slo_keeps_the_SLO_that_hpa_breaks_and_costs_less()
    {
        var scenario = ScenarioFile.Load(ShippedScenarios.Named("benchmark/onoff-batch.yaml"))
            .WithPolicies([BuiltInPolicies.Hpa, BuiltInPolicies.Slo], ShippedScenarios.Directory);

        var result = SimulationRunner.Run(scenario, cancellationToken: TestContext.Current.CancellationToken);

        var hpa = Assert.Single(result.Policies, p => p.Score.Policy == BuiltInPolicies.Hpa).Score;
        var slo = Assert.Single(result.Policies, p => p.Score.Policy == BuiltInPolicies.Slo).Score;
        Assert.True(slo.SloViolationPercent <= 0.5, $"slo violated the SLO {slo.SloViolationPercent:0.##} % of the time");
        Assert.True(hpa.SloViolationPercent > 2, $"hpa violated the SLO only {hpa.SloViolationPercent:0.##} % of the time: the scenario no longer tests a forecast");
        Assert.True(slo.CostRatioToOracle < hpa.CostRatioToOracle, $"slo cost {slo.CostRatioToOracle:0.###}× the oracle, hpa {hpa.CostRatioToOracle:0.###}×");
    }

    [Fact]
    public void A_step_no_forecast_can_know_is_answered_within_a_check_and_a_start_up()
    {
        var scenario = ScenarioFile.Load(ShippedScenarios.Named("step-up-down.yaml"))
            .WithPolicies([BuiltInPolicies.Slo], ShippedScenarios.Directory);

        var result = SimulationRunner.Run(scenario, cancellationToken: TestContext.Current.CancellationToken);

        // The step to 90 req/s comes at 2 min: a 15 s rate sees it within a 10 s check, new replicas serve 5 s later.
        var slo = Assert.Single(result.Policies, p => p.Score.Policy == BuiltInPolicies.Slo);
        var late = slo.Series.Where(p => p.Seconds > 120 + 30 && p.DroppedRps > 0.01).Select(p => p.Seconds).ToList();
        Assert.True(late.Count == 0, $"requests still dropped at {string.Join(", ", late.Take(5))} s");
    }
}
