using Autoscaler.Core.ServiceModel;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.WebApp.Tests;

public sealed class DemoWorkloadTests
{
    private static readonly TimeSpan S = TimeSpan.FromMilliseconds(100);

    private static WebAppOptions Options(int workers, int queue) => new()
    {
        Workers = workers,
        QueueLimit = queue,
        ServiceTime = S,
        Distribution = ServiceTimeDistribution.Constant,
    };

    [Fact]
    public async Task Requests_wait_for_a_worker_in_real_async_time_and_the_excess_is_rejected_at_once()
    {
        var clock = new FakeTimeProvider();
        var workload = new DemoWorkload(Options(workers: 2, queue: 1), clock);

        var first = workload.ExecuteAsync(CancellationToken.None);
        var second = workload.ExecuteAsync(CancellationToken.None);
        var third = workload.ExecuteAsync(CancellationToken.None);
        var fourth = workload.ExecuteAsync(CancellationToken.None);

        Assert.True(fourth.IsCompleted);
        Assert.Equal(WorkResult.Rejected, (await fourth).Result);
        Assert.Equal((2, 1), workload.Occupancy);

        clock.Advance(S);
        var done = await first;
        Assert.Equal(WorkResult.Ok, done.Result);
        Assert.Equal(TimeSpan.Zero, done.Wait);
        await second;
        Assert.False(third.IsCompleted);
        Assert.Equal((1, 0), workload.Occupancy);

        clock.Advance(S);
        var queued = await third;
        Assert.Equal(S, queued.Wait);
        Assert.Equal((0, 0), workload.Occupancy);
    }

    [Fact]
    public async Task Response_time_gauge_is_the_mean_of_the_last_second_and_zero_when_idle()
    {
        var clock = new FakeTimeProvider();
        var workload = new DemoWorkload(Options(workers: 1, queue: 10), clock);

        var a = workload.ExecuteAsync(CancellationToken.None);
        var b = workload.ExecuteAsync(CancellationToken.None);
        clock.Advance(S);
        await a;
        clock.Advance(S);
        await b;

        // One took 100 ms, the other waited 100 ms and worked 100 ms.
        Assert.Equal(0.15, workload.ResponseTimes.Mean(workload.Now), 3);
        clock.Advance(TimeSpan.FromSeconds(1.2));
        Assert.Equal(0, workload.ResponseTimes.Mean(workload.Now));
    }

    [Fact]
    public async Task Latency_multiplier_stretches_the_work()
    {
        var clock = new FakeTimeProvider();
        var options = Options(workers: 1, queue: 0);
        options.LatencyMultiplier = 3;
        var workload = new DemoWorkload(options, clock);

        var request = workload.ExecuteAsync(CancellationToken.None);
        clock.Advance(2 * S);
        Assert.False(request.IsCompleted);
        clock.Advance(S);
        Assert.Equal(3 * S, (await request).Service);
    }

    [Fact]
    public async Task Error_rate_one_fails_every_request_after_its_work()
    {
        var clock = new FakeTimeProvider();
        var options = Options(workers: 1, queue: 0);
        options.ErrorRate = 1;
        var workload = new DemoWorkload(options, clock);

        var request = workload.ExecuteAsync(CancellationToken.None);
        Assert.False(request.IsCompleted);
        clock.Advance(S);
        Assert.Equal(WorkResult.InjectedError, (await request).Result);
    }
}
