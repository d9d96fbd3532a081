using System.Text.RegularExpressions;
using Autoscaler.Simulation.Output;
using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;

namespace Autoscaler.Simulation.Tests.Runner;

public sealed partial class DeterminismTests
{
    [GeneratedRegex(@"""wallSeconds"": [^,]+,")]
    private static partial Regex WallSeconds();

    private static (string Summary, string[] Csv) Run(Scenario scenario, int? threads)
    {
        var result = SimulationRunner.Run(scenario, threads: threads, cancellationToken: TestContext.Current.CancellationToken);
        return (WallSeconds().Replace(SimulationOutput.Summary(result), ""), [.. result.Policies.Select(p => SimulationOutput.Csv(p.Series))]);
    }

    [Fact]
    public void The_same_scenario_and_seed_give_the_same_results_bit_for_bit_on_any_number_of_threads()
    {
        // Noisy observations, four policies, chunk boundaries crossed: every source of difference in play.
        var scenario = ScenarioFile.Load(ShippedScenarios.Named("diurnal-sine.yaml")) with { Duration = TimeSpan.FromHours(12) };
        scenario = scenario with { Policies = [.. scenario.Policies, BuiltInPolicies.Resolve("../deploy/policies/hpa-request-rate.yaml", scenario.Service, scenario.Slo, 1, 10, ShippedScenarios.Directory)!] };

        var first = Run(scenario, threads: null);
        var again = Run(scenario, threads: null);
        var oneThread = Run(scenario, threads: 1);

        Assert.Equal(first.Summary, again.Summary);
        Assert.Equal(first.Csv, again.Csv);
        Assert.Equal(first.Summary, oneThread.Summary);
        Assert.Equal(first.Csv, oneThread.Csv);
    }

    [Fact]
    public void Another_seed_draws_other_observation_noise()
    {
        var scenario = ScenarioFile.Load(ShippedScenarios.Named("diurnal-sine.yaml")) with { Duration = TimeSpan.FromHours(6) };
        Assert.NotEqual(Run(scenario, null).Summary, Run(scenario with { Seed = scenario.Seed + 1 }, null).Summary.Replace($"\"seed\": {scenario.Seed + 1}", $"\"seed\": {scenario.Seed}", StringComparison.Ordinal));
    }

    [Fact]
    public void The_series_is_downsampled_to_at_most_2000_points_per_policy()
    {
        var scenario = ScenarioFile.Load(ShippedScenarios.Named("diurnal-sine.yaml"));
        var result = SimulationRunner.Run(scenario, cancellationToken: TestContext.Current.CancellationToken);
        foreach (var run in result.Policies)
        {
            Assert.InRange(run.Series.Count, 1000, SimulationRunner.MaxSeriesPoints);
            Assert.Equal(0, run.Series[0].Seconds);
            Assert.True(run.Series[^1].Seconds < scenario.Duration.TotalSeconds);
        }
    }
}
