using Autoscaler.Gateway.Admission;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Gateway.Tests.Admission;

public sealed class HoldQueueTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly HoldQueue _queue;
    private int _capacity = 1;
    private int _heldSignals;

    public HoldQueueTests() =>
        _queue = new HoldQueue(() => _capacity, limit: 3, TimeSpan.FromSeconds(10), _time, () => _heldSignals++);

    public void Dispose() => _queue.Dispose();

    [Fact]
    public async Task Admits_at_once_while_below_capacity_and_holds_beyond_it()
    {
        Assert.Equal(HoldOutcome.Admitted, await _queue.EnterAsync(CancellationToken.None));

        var held = _queue.EnterAsync(CancellationToken.None);

        Assert.False(held.IsCompleted);
        Assert.Equal(1, _queue.Held);
        Assert.Equal(1, _heldSignals);
    }

    [Fact]
    public async Task A_finished_request_releases_the_held_ones_first_in_first_out()
    {
        await _queue.EnterAsync(CancellationToken.None);
        var first = _queue.EnterAsync(CancellationToken.None).AsTask();
        var second = _queue.EnterAsync(CancellationToken.None).AsTask();

        _queue.Exit();

        Assert.Equal(HoldOutcome.Released, await first);
        Assert.False(second.IsCompleted);
        Assert.Equal(1, _queue.InFlight);

        _queue.Exit();

        Assert.Equal(HoldOutcome.Released, await second);
        Assert.Equal(0, _queue.Held);
    }

    [Fact]
    public async Task A_newcomer_does_not_overtake_a_held_request_when_a_slot_frees()
    {
        _capacity = 0;
        var held = _queue.EnterAsync(CancellationToken.None).AsTask();
        _capacity = 1; // a slot, but not yet dispatched (the next re-read is 100 ms away)

        var newcomer = _queue.EnterAsync(CancellationToken.None).AsTask();

        Assert.False(newcomer.IsCompleted);
        _queue.Dispatch();
        Assert.Equal(HoldOutcome.Released, await held);
        Assert.False(newcomer.IsCompleted);
    }

    [Fact]
    public async Task Beyond_the_limit_a_request_is_dropped_at_once_and_the_held_ones_stay()
    {
        await _queue.EnterAsync(CancellationToken.None);
        var held = Enumerable.Range(0, 3).Select(_ => _queue.EnterAsync(CancellationToken.None).AsTask()).ToList();

        Assert.Equal(HoldOutcome.Dropped, await _queue.EnterAsync(CancellationToken.None));
        Assert.Equal(3, _queue.Held);
        Assert.All(held, t => Assert.False(t.IsCompleted));
        Assert.Equal(3, _heldSignals);
    }

    [Fact]
    public async Task A_limit_of_zero_drops_at_once_instead_of_holding()
    {
        using var off = new HoldQueue(() => 1, limit: 0, TimeSpan.FromSeconds(10), _time);
        Assert.Equal(HoldOutcome.Admitted, await off.EnterAsync(CancellationToken.None));

        Assert.Equal(HoldOutcome.Dropped, await off.EnterAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_request_held_for_the_whole_timeout_times_out_and_leaves_the_queue()
    {
        await _queue.EnterAsync(CancellationToken.None);
        var first = _queue.EnterAsync(CancellationToken.None).AsTask();
        _time.Advance(TimeSpan.FromSeconds(4));
        var second = _queue.EnterAsync(CancellationToken.None).AsTask();

        _time.Advance(TimeSpan.FromSeconds(6) - TimeSpan.FromTicks(1));
        Assert.False(first.IsCompleted);
        _time.Advance(TimeSpan.FromTicks(1));

        Assert.Equal(HoldOutcome.TimedOut, await first);
        Assert.False(second.IsCompleted); // its own 10 s run from when it came
        Assert.Equal(1, _queue.Held);

        _queue.Exit(); // the slot goes to the one still waiting, not to the one that timed out
        Assert.Equal(HoldOutcome.Released, await second);
        Assert.Equal(1, _queue.InFlight);
    }

    [Fact]
    public async Task A_held_request_whose_client_disconnects_leaves_the_queue_and_takes_no_slot()
    {
        await _queue.EnterAsync(CancellationToken.None);
        using var client = new CancellationTokenSource();
        var gone = _queue.EnterAsync(client.Token).AsTask();
        var next = _queue.EnterAsync(CancellationToken.None).AsTask();

        await client.CancelAsync();

        Assert.Equal(HoldOutcome.Abandoned, await gone);
        Assert.Equal(1, _queue.Held);
        _queue.Exit();
        Assert.Equal(HoldOutcome.Released, await next);
        Assert.Equal(1, _queue.InFlight);
    }

    [Fact]
    public async Task A_request_already_abandoned_when_it_would_be_held_is_not_kept()
    {
        await _queue.EnterAsync(CancellationToken.None);

        Assert.Equal(HoldOutcome.Abandoned, await _queue.EnterAsync(new CancellationToken(canceled: true)));
        Assert.Equal(0, _queue.Held);
    }

    [Fact]
    public async Task A_new_replica_releases_as_many_held_requests_as_it_has_room_for_at_the_next_recheck()
    {
        await _queue.EnterAsync(CancellationToken.None);
        var held = Enumerable.Range(0, 3).Select(_ => _queue.EnterAsync(CancellationToken.None).AsTask()).ToList();

        _capacity = 3; // a second replica in rotation, room for two more
        _time.Advance(HoldQueue.Recheck - TimeSpan.FromTicks(1));
        Assert.All(held, t => Assert.False(t.IsCompleted));
        _time.Advance(TimeSpan.FromTicks(1));

        Assert.Equal(HoldOutcome.Released, await held[0]);
        Assert.Equal(HoldOutcome.Released, await held[1]);
        Assert.False(held[2].IsCompleted);
        Assert.Equal(3, _queue.InFlight);
    }

    [Fact]
    public async Task A_released_request_is_not_timed_out_later()
    {
        await _queue.EnterAsync(CancellationToken.None);
        var held = _queue.EnterAsync(CancellationToken.None).AsTask();
        _queue.Exit();
        Assert.Equal(HoldOutcome.Released, await held);

        _time.Advance(TimeSpan.FromSeconds(11));

        Assert.Equal(1, _queue.InFlight);
        Assert.Equal(0, _queue.Held);
    }
}
