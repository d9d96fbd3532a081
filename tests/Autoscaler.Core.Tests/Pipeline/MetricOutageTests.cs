using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.PolicyFiles;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Core.Tests.Pipeline;

/// <summary>
/// After Prometheus was unreachable or paused, a rate() over a window with missing scrapes reads low (issue 15 measured
/// 18.6 req/s against 60 real): such readings must not scale down until the window has filled again, and a fallback must
/// never scale down either.
/// </summary>
public sealed class MetricOutageTests
{
    // deploy/policies/hpa-request-rate.yaml's first metric, without its behavior so that every decision shows at once.
    private const string RequestRate = """
        minReplicas: 1
        maxReplicas: 8
        metrics:
          - name: rps
            query: sum(rate(webapp_request_count_total[30s]))
            target: {value: 30, type: AverageValue, tolerance: 0.1}
            onError: fallback
            fallback: {failureThreshold: 3, replicas: 2}
        behavior:
          scaleUp: {stabilizationWindowSeconds: 0}
          scaleDown: {stabilizationWindowSeconds: 0}
        """;

    private static readonly TimeSpan Check = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static MetricReading Rps(double value) => MetricReading.Ok("rps", value);

    private static MetricReading Down(MetricFailureKind kind = MetricFailureKind.Timeout) => MetricReading.Failed("rps", kind, "Prometheus did not answer within 10s");

    private ScalingDecision Next(DecisionPipeline pipeline, int current, MetricReading reading)
    {
        _clock.Advance(Check);
        return pipeline.Decide(current, [reading]);
    }

    [Fact]
    public void A_low_rate_right_after_an_outage_holds_the_count_until_the_query_window_has_filled_again()
    {
        var pipeline = PolicyFile.Parse(RequestRate).CreatePipeline(_clock);
        Assert.Equal(4, Next(pipeline, 4, Rps(120)).DesiredReplicas);

        // Prometheus paused for 60 s: every query times out, and the fallback is in force from the third.
        for (var i = 0; i < 6; i++)
        {
            var during = Next(pipeline, 4, Down());
            Assert.Equal(4, during.DesiredReplicas);
            Assert.Equal(i < 2 ? DecisionCauses.NoData : DecisionCauses.FailedMetric, during.Cause);
        }

        // Back, but the 30 s window holds only the scrapes since: the rate reads 18.6 where 120 are served.
        var first = Next(pipeline, 4, Rps(18.6));
        Assert.Equal(1, first.Proposals[0].Replicas);
        Assert.Equal(4, first.DesiredReplicas);
        Assert.Equal(DecisionCauses.Recovering, first.Cause);
        Assert.Contains("rps is back after an outage", first.Reason, StringComparison.Ordinal);
        Assert.Contains("30s window", first.Reason, StringComparison.Ordinal);
        Assert.Contains("in 30s", first.Reason, StringComparison.Ordinal);

        var second = Next(pipeline, 4, Rps(40));
        Assert.Equal((4, DecisionCauses.Recovering), (second.DesiredReplicas, second.Cause));
        Assert.Contains("in 20s", second.Reason, StringComparison.Ordinal);
        Assert.Equal((4, DecisionCauses.Recovering), (Next(pipeline, 4, Rps(80)).DesiredReplicas, DecisionCauses.Recovering));

        // 30 s after the first good reading the window is whole again, and a low reading is believed.
        var whole = Next(pipeline, 4, Rps(50));
        Assert.Equal((2, DecisionCauses.Policy), (whole.DesiredReplicas, whole.Cause));
    }

    [Fact]
    public void A_rate_after_an_outage_may_still_scale_up_at_once()
    {
        var pipeline = PolicyFile.Parse(RequestRate).CreatePipeline(_clock);
        Next(pipeline, 2, Down(MetricFailureKind.Unreachable));

        var up = Next(pipeline, 2, Rps(150));

        Assert.Equal((5, DecisionCauses.Policy), (up.DesiredReplicas, up.Cause));
    }

    [Fact]
    public void The_fallback_raises_the_count_to_its_replicas_but_never_lowers_it()
    {
        var pipeline = PolicyFile.Parse(RequestRate).CreatePipeline(_clock);

        Next(pipeline, 4, Down());
        Next(pipeline, 4, Down());
        var held = Next(pipeline, 4, Down());
        Assert.Equal(2, held.Proposals[0].Replicas);
        Assert.Equal((4, DecisionCauses.FailedMetric), (held.DesiredReplicas, held.Cause));
        Assert.Contains("fallback never scales down", held.Reason, StringComparison.Ordinal);

        var raised = Next(pipeline, 1, Down());
        Assert.Equal((2, DecisionCauses.Fallback), (raised.DesiredReplicas, raised.Cause));
        Assert.Contains("fallback to 2 after 4 failures", raised.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_query_that_returned_no_series_is_not_an_outage_and_the_next_reading_is_believed()
    {
        // No series (no replica scraped yet, or none left) says nothing about missed scrapes.
        var pipeline = PolicyFile.Parse(RequestRate).CreatePipeline(_clock);
        Next(pipeline, 4, Down(MetricFailureKind.NoData));

        Assert.Equal((1, DecisionCauses.Policy), (Next(pipeline, 4, Rps(10)).DesiredReplicas, DecisionCauses.Policy));
    }

    [Fact]
    public void A_query_without_a_range_is_believed_from_its_first_reading_after_an_outage()
    {
        var pipeline = PolicyFile.Parse(RequestRate.Replace("sum(rate(webapp_request_count_total[30s]))", "job:requests:rate30s", StringComparison.Ordinal)).CreatePipeline(_clock);
        Next(pipeline, 4, Down());

        Assert.Equal(1, Next(pipeline, 4, Rps(10)).DesiredReplicas);
    }

    [Fact]
    public void A_second_outage_while_recovering_starts_the_window_again_from_its_end()
    {
        var pipeline = PolicyFile.Parse(RequestRate).CreatePipeline(_clock);
        Next(pipeline, 4, Down());
        Next(pipeline, 4, Rps(20)); // recovering until +30 s
        Next(pipeline, 4, Down());
        Next(pipeline, 4, Rps(20)); // a new hole: recovering until 30 s from here

        Assert.Equal(DecisionCauses.Recovering, Next(pipeline, 4, Rps(20)).Cause);
        Assert.Equal(DecisionCauses.Recovering, Next(pipeline, 4, Rps(20)).Cause);
        Assert.Equal(1, Next(pipeline, 4, Rps(20)).DesiredReplicas);
    }
}
