using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Scaler.Tests;

/// <summary>
/// The trigger that evaluates when the gateway turns requests away, on a fake clock: the interval between its
/// evaluations is fake time; the short real waits only give its background loop a chance to run.
/// </summary>
public sealed class OverloadTriggerTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _clock = new();
    private readonly OverloadTrigger _trigger;
    private int _evaluations;

    public OverloadTriggerTests() =>
        _trigger = new OverloadTrigger(
            _ =>
            {
                Interlocked.Increment(ref _evaluations);
                return Task.CompletedTask;
            },
            Interval,
            _clock,
            NullLogger<OverloadTrigger>.Instance);

    public ValueTask InitializeAsync() => new(_trigger.StartAsync(TestContext.Current.CancellationToken));

    public async ValueTask DisposeAsync()
    {
        await _trigger.StopAsync(CancellationToken.None);
        _trigger.Dispose();
    }

    [Fact]
    public async Task The_first_rejection_evaluates_at_once_without_waiting_for_the_clock()
    {
        _trigger.Request();

        await WaitFor(() => _trigger.Evaluations == 1);
        Assert.Equal(1, Volatile.Read(ref _evaluations));
    }

    [Fact]
    public async Task A_flood_of_rejections_within_the_interval_costs_one_more_evaluation_when_the_interval_ends()
    {
        _trigger.Request();
        await WaitFor(() => _trigger.Evaluations == 1);

        for (var i = 0; i < 1000; i++)
        {
            _trigger.Request();
        }

        _clock.Advance(Interval - TimeSpan.FromMilliseconds(1));
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal(1, Volatile.Read(ref _evaluations));

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await WaitFor(() => _trigger.Evaluations == 2);

        _clock.Advance(TimeSpan.FromMinutes(1));
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal(2, Volatile.Read(ref _evaluations));
        Assert.Equal(1001, _trigger.Requests);
    }

    [Fact]
    public async Task A_rejection_after_a_quiet_interval_evaluates_at_once()
    {
        _trigger.Request();
        await WaitFor(() => _trigger.Evaluations == 1);

        _clock.Advance(Interval);
        _trigger.Request();

        await WaitFor(() => _trigger.Evaluations == 2);
    }

    [Fact]
    public async Task Without_rejections_nothing_is_evaluated()
    {
        _clock.Advance(TimeSpan.FromMinutes(1));
        await Task.Delay(100, TestContext.Current.CancellationToken);

        Assert.Equal(0, Volatile.Read(ref _evaluations));
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, deadline.Token);
        }
    }
}
