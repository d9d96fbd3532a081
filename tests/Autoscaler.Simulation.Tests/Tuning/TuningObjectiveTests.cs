using Autoscaler.Core.Queueing;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Tuning;

namespace Autoscaler.Simulation.Tests.Tuning;

/// <summary>Issue 16: the cheapest candidate within the violation budget and the error rate wins; ties by fewer scale actions.</summary>
public sealed class TuningObjectiveTests
{
    private static readonly SloSpec Slo = new(0.3, LatencyStatistic.Mean, 0.01);

    private static PolicyScore Score(string name, double replicaSeconds, double violationPercent = 0, double errorRate = 0, int actions = 10) =>
        new() { Policy = name, ReplicaSeconds = replicaSeconds, SloViolationPercent = violationPercent, ErrorRate = errorRate, ScaleActions = actions };

    private static string[] Ranked(TuningObjective objective, params PolicyScore[] scores) =>
        [.. scores.Order(objective).Select(s => s.Policy)];

    [Fact]
    public void A_cheaper_candidate_over_the_budget_ranks_after_one_within_it()
    {
        var objective = TuningObjective.For(Slo, 0.5);

        Assert.Equal(
            ["within-cheap", "within-dear", "over-budget", "drops-too-much"],
            Ranked(objective, Score("over-budget", 100, violationPercent: 0.6), Score("within-dear", 300, violationPercent: 0.5),
                Score("drops-too-much", 50, errorRate: 0.02), Score("within-cheap", 200, violationPercent: 0.4)));
    }

    [Fact]
    public void Equal_cost_is_decided_by_fewer_scale_actions()
    {
        var objective = TuningObjective.For(Slo);

        Assert.Equal(["calm", "busy"], Ranked(objective, Score("busy", 200, actions: 40), Score("calm", 200, actions: 12)));
    }

    [Fact]
    public void Candidates_that_miss_are_ranked_by_how_far_they_miss_then_by_cost()
    {
        var objective = TuningObjective.For(Slo, 1);

        Assert.Equal(2.0, objective.Shortfall(Score("x", 1, violationPercent: 2, errorRate: 0.02)), 9);
        Assert.Equal(0.0, objective.Shortfall(Score("x", 1, violationPercent: 1, errorRate: 0.01)));
        Assert.Equal(
            ["near-cheap", "near-dear", "far"],
            Ranked(objective, Score("far", 10, violationPercent: 5), Score("near-dear", 500, violationPercent: 1.5), Score("near-cheap", 400, violationPercent: 1.5)));
    }

    [Fact]
    public void The_budget_is_the_one_the_report_uses_to_say_the_slo_is_met()
    {
        var objective = TuningObjective.For(Slo, 2);

        Assert.Equal(0.02, objective.Slo.ViolationBudget);
        Assert.True(objective.Accepts(Score("x", 1, violationPercent: 2)));
        Assert.False(objective.Accepts(Score("x", 1, violationPercent: 2.1)));
        Assert.Equal(0.5, TuningObjective.For(Slo).Slo.ViolationBudget * 100, 12);
    }

    [Theory]
    [InlineData("0.5%", 0.5)]
    [InlineData(" 2 % ", 2)]
    [InlineData("0", 0)]
    [InlineData("100%", 100)]
    public void Max_violation_reads_a_percentage(string text, double percent)
    {
        Assert.Equal(percent, TuningObjective.ParsePercent(text));
    }

    [Theory]
    [InlineData("150%", "--max-violation 150% must be between 0 and 100 %")]
    [InlineData("-1", "--max-violation -1 must be between 0 and 100 %")]
    [InlineData("half", "--max-violation 'half' is not a percentage; write e.g. 0.5%")]
    public void A_budget_outside_0_to_100_percent_is_refused_in_one_line(string text, string problem)
    {
        Assert.Equal(problem, Assert.Single(Assert.Throws<ScenarioException>(() => TuningObjective.ParsePercent(text)).Problems));
        Assert.Throws<ScenarioException>(() => TuningObjective.For(Slo, 101));
    }
}
