using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.PolicyFiles;

namespace Autoscaler.Scaler.Tests;

/// <summary>A schedule window in the live loop: its own timer, on a fake clock moved past the window's edges.</summary>
public sealed partial class ScalerLoopTests
{
    [Fact]
    public async Task A_schedule_window_raises_the_count_when_it_opens_and_lets_it_fall_when_it_closes()
    {
        var policy = PolicyFile.Parse("""
            minReplicas: 1
            maxReplicas: 6
            behavior: {}
            metrics: [{name: avg_rt, query: q, target: {value: 0.3}}]
            schedules:
              - {name: morning-peak, start: "0 8 * * 1-5", end: "0 9 * * 1-5", timeZone: UTC, minReplicas: 4}
            """);
        _clock.SetUtcNow(new DateTimeOffset(2026, 3, 2, 7, 59, 40, TimeSpan.Zero)); // a Monday
        var loop = new ScalerLoop(_target, new ScalingStep(policy.CreatePipeline(_clock), [_source]), _options, _state, _telemetry, _clock, _log);
        _source.Next(MetricReading.Ok("avg_rt", 0.05));

        await loop.StartAsync(CancellationToken.None);
        try
        {
            await WaitFor(() => loop.Evaluations == 1);
            _clock.Advance(TimeSpan.FromSeconds(10));
            await WaitFor(() => loop.Evaluations == 2);
            Assert.Equal((1, 0), (_target.Replicas, _target.ScaleCalls));

            _clock.Advance(TimeSpan.FromSeconds(10)); // 08:00:00
            await WaitFor(() => loop.Evaluations == 3);
            Assert.Equal(4, _target.Replicas);
            var opened = _state.Snapshot().LastDecisions[0].Decision;
            Assert.Equal(["morning-peak"], opened.Windows);
            Assert.Equal(4, opened.MinReplicas);
            Assert.EndsWith("raised to min 4 (schedule morning-peak)", opened.Reason, StringComparison.Ordinal);

            _clock.Advance(TimeSpan.FromHours(1)); // 09:00:00
            await WaitFor(() => _state.Snapshot().LastDecisions[0].Decision.DesiredReplicas == 1);
            Assert.Equal(1, _target.Replicas);
            Assert.Empty(_state.Snapshot().LastDecisions[0].Decision.Windows);
        }
        finally
        {
            await loop.StopAsync(CancellationToken.None);
            loop.Dispose();
        }
    }
}
