using Autoscaler.Gateway.Health;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Gateway.Tests.Health;

public sealed class FailureWindowTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Reports_the_failures_and_requests_of_the_window_when_both_bounds_are_met_then_starts_afresh()
    {
        var window = new FailureWindow(TimeSpan.FromSeconds(10), _time);

        Assert.Null(window.Record(_time.GetTimestamp(), failed: false, minimumFailures: 2, failureRate: 0.5));
        Assert.Null(window.Record(_time.GetTimestamp(), failed: true, minimumFailures: 2, failureRate: 0.5));
        Assert.Equal((2, 3), window.Record(_time.GetTimestamp(), failed: true, minimumFailures: 2, failureRate: 0.5));

        Assert.Null(window.Record(_time.GetTimestamp(), failed: true, minimumFailures: 2, failureRate: 0.5));
    }

    [Fact]
    public void Buckets_the_clock_moved_past_are_emptied_one_by_one()
    {
        var window = new FailureWindow(TimeSpan.FromSeconds(10), _time);
        window.Record(_time.GetTimestamp(), failed: true, minimumFailures: 3, failureRate: 0);
        _time.Advance(TimeSpan.FromSeconds(5));
        window.Record(_time.GetTimestamp(), failed: true, minimumFailures: 3, failureRate: 0);

        // 10.5 s after the first failure it has left the window; the second (5.5 s ago) has not.
        _time.Advance(TimeSpan.FromSeconds(5.5));

        Assert.Null(window.Record(_time.GetTimestamp(), failed: true, minimumFailures: 3, failureRate: 0));
        Assert.Equal((3, 3), window.Record(_time.GetTimestamp(), failed: true, minimumFailures: 3, failureRate: 0));
    }
}
