using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Schedules;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Core.Tests.Schedules;

/// <summary>Schedule windows change [min, max] while open, on the pipeline's clock.</summary>
public sealed class ScheduleTests
{
    // A Monday.
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    private static PolicySpec Policy(string schedules, string limits = "minReplicas: 1\nmaxReplicas: 10") => PolicyFile.Parse($"""
        {limits}
        metrics: [{"{"}name: rps, query: q, target: {"{"}value: 10, type: AverageValue{"}"}{"}"}]
        behavior: {"{"}scaleUp: {"{"}stabilizationWindowSeconds: 0{"}"}, scaleDown: {"{"}stabilizationWindowSeconds: 0{"}"}{"}"}
        schedules:
        {schedules}
        """);

    [Fact]
    public void A_cron_window_raises_the_minimum_while_open_and_the_record_names_it()
    {
        var clock = new FakeTimeProvider(Monday.AddHours(7).AddMinutes(59));
        var pipeline = Policy("""
              - {name: business-hours, start: "0 8 * * 1-5", end: "0 18 * * 1-5", minReplicas: 4}
            """).CreatePipeline(clock);
        MetricReading[] quiet = [MetricReading.Ok("rps", 5)];

        var before = pipeline.Decide(1, quiet);
        clock.Advance(TimeSpan.FromMinutes(1));
        var opened = pipeline.Decide(1, quiet);
        clock.SetUtcNow(Monday.AddHours(17).AddMinutes(59).AddSeconds(59));
        var last = pipeline.Decide(4, quiet);
        clock.Advance(TimeSpan.FromSeconds(1));
        var closed = pipeline.Decide(4, quiet);

        Assert.Equal((1, 1, 10), (before.DesiredReplicas, before.MinReplicas, before.MaxReplicas));
        Assert.Empty(before.Windows);
        Assert.Equal((4, 4, DecisionCauses.Min), (opened.DesiredReplicas, opened.MinReplicas, opened.Cause));
        Assert.Equal(["business-hours"], opened.Windows);
        Assert.EndsWith("raised to min 4 (schedule business-hours)", opened.Reason, StringComparison.Ordinal);
        Assert.Equal(4, last.DesiredReplicas);
        Assert.Equal((1, 1), (closed.DesiredReplicas, closed.MinReplicas));
    }

    [Fact]
    public void A_window_closes_after_its_duration_and_counts_in_its_time_zone()
    {
        // 08:00 in Berlin is 07:00 UTC in winter.
        var clock = new FakeTimeProvider(Monday.AddHours(6).AddMinutes(59));
        var pipeline = Policy("""
              - {name: morning, start: "0 8 * * *", duration: 2h, timeZone: Europe/Berlin, minReplicas: 3, maxReplicas: 5}
            """).CreatePipeline(clock);
        MetricReading[] busy = [MetricReading.Ok("rps", 90)];

        Assert.Equal(9, pipeline.Evaluate(1, busy).DesiredReplicas);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(5, pipeline.Evaluate(9, busy).DesiredReplicas);
        clock.Advance(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1));
        Assert.Equal(5, pipeline.Evaluate(5, busy).DesiredReplicas);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(9, pipeline.Evaluate(5, busy).DesiredReplicas);
    }

    [Fact]
    public void Overlapping_windows_take_the_largest_minimum_and_the_smallest_maximum()
    {
        var clock = new FakeTimeProvider(Monday.AddHours(12));
        var pipeline = Policy("""
              - {name: day, start: "0 6 * * *", duration: 14h, minReplicas: 2, maxReplicas: 9}
              - {name: lunch, start: "0 11 * * *", duration: 3h, minReplicas: 5}
              - {name: budget, start: "0 0 * * 1", duration: 1d, maxReplicas: 7}
            """).CreatePipeline(clock);

        var decision = pipeline.Decide(3, [MetricReading.Ok("rps", 200)]);

        Assert.Equal(["day", "lunch", "budget"], decision.Windows);
        Assert.Equal((5, 7, 7), (decision.MinReplicas, decision.MaxReplicas, decision.DesiredReplicas));
        Assert.EndsWith("capped at max 7 (schedule budget)", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void When_open_windows_cross_the_maximum_wins_and_the_record_says_so()
    {
        var clock = new FakeTimeProvider(Monday.AddHours(12));
        var pipeline = Policy("""
              - {name: peak, start: "0 11 * * *", duration: 3h, minReplicas: 6, maxReplicas: 10}
              - {name: maintenance, start: "0 12 * * 1", duration: 1h, maxReplicas: 2}
            """).CreatePipeline(clock);

        var decision = pipeline.Decide(3, [MetricReading.Ok("rps", 5)]);

        Assert.Equal((2, 2, 2), (decision.MinReplicas, decision.MaxReplicas, decision.DesiredReplicas));
        Assert.Contains("schedule windows cross: min 6 (schedule peak) is above max 2 (schedule maintenance): the max wins", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_limits_are_computed_again_only_when_a_window_opens_or_closes()
    {
        var limits = new ScheduledLimits(1, 10, [Policy("""
              - {name: w, start: "0 8 * * *", duration: 1h, minReplicas: 4}
            """).Schedules[0].CreateWindow()]);

        var early = limits.At(Monday.AddHours(7).AddMinutes(59));
        var open = limits.At(Monday.AddHours(8));
        var later = limits.At(Monday.AddHours(8).AddMinutes(59));

        // Each computation makes a new list of open windows: the same instance means the answer was kept.
        Assert.Equal((1, 4, 4), (early.MinReplicas, open.MinReplicas, later.MinReplicas));
        Assert.Same(open.Windows, later.Windows);
        Assert.Equal(1, limits.At(Monday.AddHours(9)).MinReplicas);
        var again = limits.At(Monday.AddHours(8).AddMinutes(30)); // the clock went back: computed again
        Assert.Equal(["w"], again.Windows);
        Assert.NotSame(open.Windows, again.Windows);
    }
}
