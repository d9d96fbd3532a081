using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Scaling;
using Autoscaler.Scaler.Console;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Scaler.Tests.Console;

public sealed class EvaluationHistoryTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void It_keeps_the_last_hour_of_evaluations_and_lets_older_ones_go()
    {
        var history = new EvaluationHistory();
        for (var minute = 0; minute < 90; minute++)
        {
            history.Record(Entry(1, 1));
            _clock.Advance(TimeSpan.FromMinutes(1));
        }

        var view = history.Snapshot(_clock.GetUtcNow());

        Assert.Equal(60, view.Points.Count);
        Assert.True(view.Points[0].Time >= _clock.GetUtcNow() - TimeSpan.FromHours(1));
        Assert.Equal(_clock.GetUtcNow() - TimeSpan.FromMinutes(1), view.Points[^1].Time);
    }

    [Fact]
    public void A_history_nobody_fed_for_an_hour_is_empty_when_read()
    {
        var history = new EvaluationHistory();
        history.Record(Entry(1, 2, applied: true));

        _clock.Advance(TimeSpan.FromMinutes(61));

        var view = history.Snapshot(_clock.GetUtcNow());
        Assert.Empty(view.Points);
        Assert.Empty(view.Events);
    }

    [Fact]
    public void A_scale_by_the_loop_and_a_change_from_outside_are_events_and_a_hold_is_not()
    {
        var history = new EvaluationHistory();
        history.Record(Entry(1, 1));
        _clock.Advance(TimeSpan.FromSeconds(10));
        history.Record(Entry(1, 3, applied: true, trigger: "alert:HighLatency"));
        _clock.Advance(TimeSpan.FromSeconds(10));
        history.Record(Entry(3, 3));
        _clock.Advance(TimeSpan.FromSeconds(10));
        history.Record(Entry(5, 5)); // set to 5 through the API between two evaluations
        _clock.Advance(TimeSpan.FromSeconds(10));
        history.Record(Entry(5, 4)); // a decision not applied (dry run): no change, no event

        var view = history.Snapshot(_clock.GetUtcNow());

        Assert.Collection(
            view.Events,
            e => Assert.Equal((1, 3, "alert:HighLatency", "up"), (e.From, e.To, e.Trigger, e.Reason)),
            e => Assert.Equal((3, 5, "outside"), (e.From, e.To, e.Trigger)));
        Assert.Equal([1, 3, 3, 5, 5], view.Points.Select(p => p.Current));
        Assert.Equal([1, 3, 3, 5, 4], view.Points.Select(p => p.Desired));
    }

    [Fact]
    public void A_failed_reading_is_a_null_metric()
    {
        var history = new EvaluationHistory();
        var decision = new ScalingDecision(_clock.GetUtcNow(), 1, 1, [MetricReading.Failed("rt", MetricFailureKind.NoData, "empty")], [], "held", DecisionCauses.NoData);
        history.Record(new DecisionEntry(decision, null));

        Assert.Null(history.Snapshot(_clock.GetUtcNow()).Points[0].Metrics["rt"]);
    }

    [Fact]
    public void Thinned_it_keeps_about_the_asked_number_of_points_and_every_change_of_count()
    {
        var history = new EvaluationHistory();
        for (var second = 0; second < 3600; second++)
        {
            var count = second < 1801 ? 1 : 2;
            history.Record(Entry(count, count));
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        var view = history.Snapshot(_clock.GetUtcNow(), maxPoints: 720);

        Assert.InRange(view.Points.Count, 720, 723);
        Assert.Contains(view.Points, p => p.Time == new DateTimeOffset(2026, 1, 1, 12, 30, 1, TimeSpan.Zero) && p.Current == 2);
        Assert.Equal(_clock.GetUtcNow() - TimeSpan.FromSeconds(1), view.Points[^1].Time);
        Assert.Equal(3600, history.Snapshot(_clock.GetUtcNow()).Points.Count);
    }

    private DecisionEntry Entry(int current, int desired, bool applied = false, string trigger = EvaluationTriggers.Tick)
    {
        var decision = new ScalingDecision(_clock.GetUtcNow(), current, desired, [MetricReading.Ok("rt", 0.5)], [], desired > current ? "up" : "hold", DecisionCauses.Policy);
        return new DecisionEntry(decision, applied ? new ScaleResult(true, desired, "ok") : null, trigger);
    }
}
