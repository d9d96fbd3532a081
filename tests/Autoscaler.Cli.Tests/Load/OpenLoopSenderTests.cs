using Autoscaler.Cli.Load;
using Autoscaler.Simulation.Workloads;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Cli.Tests.Load;

public sealed class OpenLoopSenderTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void DispatchDue_sends_everything_due_and_marks_those_more_than_10ms_late()
    {
        var time = new FakeTimeProvider();
        var sent = new List<DueRequest>();
        var sender = new OpenLoopSender(new SendSchedule(new ConstantRate(100), TimeSpan.FromSeconds(1)), time, time.GetTimestamp(), sent.Add);

        Assert.Equal(1, sender.DispatchDue());
        time.Advance(Ms(35));
        Assert.Equal(3, sender.DispatchDue());

        Assert.Equal([Ms(0), Ms(10), Ms(20), Ms(30)], sent.Select(r => r.Intended));
        Assert.Equal([Ms(0), Ms(35), Ms(35), Ms(35)], sent.Select(r => r.Actual));
        Assert.Equal([false, true, true, false], sent.Select(r => r.Late));
        Assert.Equal(Ms(40), sender.NextDue);
    }

    [Fact]
    public void The_loop_sleeps_until_each_request_is_due_and_sends_it_on_time()
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null); // continuations run inside Advance, deterministically
        try
        {
            var time = new FakeTimeProvider();
            var sent = new List<DueRequest>();
            var sender = new OpenLoopSender(new SendSchedule(new ConstantRate(100), TimeSpan.FromSeconds(1)), time, time.GetTimestamp(), sent.Add);

            var loop = sender.RunAsync(CancellationToken.None);
            for (var ms = 1; ms <= 1000; ms++)
            {
                time.Advance(Ms(1));
                Assert.Equal(Math.Min(100, (ms / 10) + 1), sent.Count);
            }

            Assert.True(loop.IsCompletedSuccessfully);
            Assert.Equal(100, sent.Count);
            Assert.All(sent, r => Assert.Equal(r.Intended, r.Actual));
            Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), sent.Select(r => r.Number));
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    [Fact]
    public void A_stalled_loop_catches_up_in_one_batch_instead_of_dropping_requests()
    {
        var time = new FakeTimeProvider();
        var sent = new List<DueRequest>();
        var sender = new OpenLoopSender(new SendSchedule(new ConstantRate(1000), TimeSpan.FromSeconds(1)), time, time.GetTimestamp(), sent.Add);

        time.Advance(Ms(100));
        sender.DispatchDue();

        Assert.Equal(101, sent.Count);
        Assert.Equal(90, sent.Count(r => r.Late)); // due at 0…89 ms, more than 10 ms before 100 ms
    }

    [Fact]
    public void Max_requests_stops_the_schedule()
    {
        var time = new FakeTimeProvider();
        var sent = new List<DueRequest>();
        var sender = new OpenLoopSender(new SendSchedule(new ConstantRate(1000), TimeSpan.FromSeconds(1)), time, time.GetTimestamp(), sent.Add, maxRequests: 7);

        time.Advance(Ms(500));
        sender.DispatchDue();

        Assert.Equal(7, sent.Count);
        Assert.False(sender.HasNext);
        Assert.Null(sender.NextDue);
    }

    [Fact]
    public async Task Cancelling_stops_the_loop()
    {
        var time = new FakeTimeProvider();
        var sent = new List<DueRequest>();
        var sender = new OpenLoopSender(new SendSchedule(new ConstantRate(1), TimeSpan.FromHours(1)), time, time.GetTimestamp(), sent.Add);
        using var stop = new CancellationTokenSource();

        var loop = sender.RunAsync(stop.Token);
        await stop.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Single(sent);
        Assert.True(sender.HasNext);
    }
}
