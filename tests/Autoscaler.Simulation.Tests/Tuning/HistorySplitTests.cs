using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Tuning;
using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Simulation.Tests.Tuning;

/// <summary>Issue 16: the search sees only the first part of the history, cut at a whole step.</summary>
public sealed class HistorySplitTests
{
    private static Scenario Week(TimeSpan? step = null) => new()
    {
        Name = "week",
        Duration = TimeSpan.FromDays(7),
        Step = step ?? TimeSpan.FromSeconds(1),
        Seed = 5,
        Workload = new ConstantRate(40),
    };

    [Fact]
    public void The_default_holds_back_the_last_30_percent_and_the_search_runs_the_rest_of_the_same_scenario()
    {
        var scenario = Week();

        var split = HistorySplit.Of(scenario);

        Assert.Equal(TimeSpan.FromSeconds(423_360), split.At);
        Assert.Equal(TimeSpan.FromSeconds(181_440), split.Held);
        Assert.Equal(scenario with { Duration = split.At }, split.Search);
    }

    [Fact]
    public void The_split_falls_on_a_whole_step()
    {
        // 3600 s in steps of 7 s: the runner simulates 514 steps; 70 % of them is 359.8, so the search gets 359.
        var scenario = Week(TimeSpan.FromSeconds(7)) with { Duration = TimeSpan.FromHours(1) };

        var split = HistorySplit.Of(scenario, 0.3);

        Assert.Equal(TimeSpan.FromSeconds(359 * 7), split.At);
        Assert.Equal(TimeSpan.FromSeconds(155 * 7), split.Held);
    }

    [Theory]
    [InlineData(0.0, "--validate-fraction 0 must be above 0 and below 1 (0.3 holds back the last 30 % of the history)")]
    [InlineData(1.0, "--validate-fraction 1 must be above 0 and below 1 (0.3 holds back the last 30 % of the history)")]
    [InlineData(-0.2, "--validate-fraction -0.2 must be above 0 and below 1 (0.3 holds back the last 30 % of the history)")]
    [InlineData(double.NaN, "--validate-fraction NaN must be above 0 and below 1 (0.3 holds back the last 30 % of the history)")]
    public void A_fraction_outside_0_to_1_is_refused_in_one_line(double fraction, string problem)
    {
        Assert.Equal(problem, Assert.Single(Assert.Throws<ScenarioException>(() => HistorySplit.Of(Week(), fraction)).Problems));
    }

    [Fact]
    public void A_history_too_short_to_split_is_refused()
    {
        var scenario = Week() with { Duration = TimeSpan.FromSeconds(1) };

        var problem = Assert.Single(Assert.Throws<ScenarioException>(() => HistorySplit.Of(scenario, 0.3)).Problems);

        Assert.Equal("--validate-fraction 0.3 leaves no step of 1s to search on in 1s; use a fraction nearer 0.5 or a longer history", problem);
    }
}
