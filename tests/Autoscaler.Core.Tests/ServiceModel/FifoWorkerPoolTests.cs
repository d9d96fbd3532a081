using Autoscaler.Core.ServiceModel;

namespace Autoscaler.Core.Tests.ServiceModel;

public sealed class FifoWorkerPoolTests
{
    private static readonly TimeSpan S = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void Free_workers_start_at_once_then_requests_queue_in_arrival_order_then_are_rejected()
    {
        var pool = new FifoWorkerPool(workers: 2, queueLimit: 2);

        var a = pool.Admit(TimeSpan.Zero, S);
        var b = pool.Admit(TimeSpan.Zero, S);
        var c = pool.Admit(TimeSpan.Zero, S);
        var d = pool.Admit(TimeSpan.Zero, 2 * S);
        var e = pool.Admit(TimeSpan.Zero, S);

        Assert.Equal((TimeSpan.Zero, S), (a.Start, a.End));
        Assert.Equal((TimeSpan.Zero, S), (b.Start, b.End));
        Assert.Equal((S, 2 * S), (c.Start, c.End));
        Assert.Equal((S, 3 * S), (d.Start, d.End));
        Assert.False(e.Accepted);
        Assert.Equal((2, 2), pool.Occupancy(TimeSpan.Zero));
    }

    [Fact]
    public void Occupancy_follows_the_schedule_and_the_queue_frees_up_as_work_finishes()
    {
        var pool = new FifoWorkerPool(workers: 1, queueLimit: 1);
        pool.Admit(TimeSpan.Zero, S);
        pool.Admit(TimeSpan.Zero, S);
        Assert.False(pool.Admit(TimeSpan.FromMilliseconds(50), S).Accepted);

        Assert.Equal((1, 0), pool.Occupancy(S));
        Assert.Equal((0, 0), pool.Occupancy(2 * S));
        Assert.True(pool.Admit(S + TimeSpan.FromMilliseconds(1), S).Accepted);
    }

    [Fact]
    public void Zero_queue_limit_rejects_whenever_all_workers_are_busy()
    {
        var pool = new FifoWorkerPool(workers: 1, queueLimit: 0);
        Assert.True(pool.Admit(TimeSpan.Zero, S).Accepted);
        Assert.False(pool.Admit(TimeSpan.Zero, S).Accepted);
        Assert.True(pool.Admit(S, S).Accepted);
    }

    [Fact]
    public void At_low_load_mean_latency_is_close_to_the_service_time()
    {
        // 20 % of capacity (W/S = 40 req/s): waiting is rare, latency ≈ S.
        var (mean, rejected) = Run(workers: 4, queueLimit: 100, rate: 8, seconds: 2000, seed: 1);
        Assert.Equal(0, rejected);
        Assert.InRange(mean.TotalMilliseconds, 95, 108);
    }

    [Fact]
    public void Latency_climbs_steeply_as_load_nears_capacity()
    {
        var light = Run(workers: 4, queueLimit: 100, rate: 20, seconds: 2000, seed: 2).Mean;
        var heavy = Run(workers: 4, queueLimit: 100, rate: 38, seconds: 2000, seed: 2).Mean;
        Assert.True(heavy > 2.5 * light, $"at 95 % load mean latency {heavy.TotalMilliseconds:0} ms should be far above {light.TotalMilliseconds:0} ms at 50 %");
    }

    [Fact]
    public void Above_capacity_the_queue_fills_and_the_excess_is_rejected()
    {
        // Twice the capacity for 60 s: about half the requests cannot be served.
        var pool = new FifoWorkerPool(4, 100);
        var random = new Random(3);
        var sampler = new ServiceTimeSampler(ServiceTimeDistribution.Exponential, S, random);
        var now = TimeSpan.Zero;
        int accepted = 0, rejected = 0, maxWaiting = 0;
        var lastWait = TimeSpan.Zero;
        while (now < TimeSpan.FromSeconds(60))
        {
            now += TimeSpan.FromSeconds(-Math.Log(1 - random.NextDouble()) / 80);
            var admission = pool.Admit(now, sampler.Next());
            if (admission.Accepted)
            {
                accepted++;
                lastWait = admission.Wait(now);
            }
            else
            {
                rejected++;
            }

            maxWaiting = Math.Max(maxWaiting, pool.Occupancy(now).Waiting);
        }

        Assert.Equal(100, maxWaiting);
        Assert.InRange(rejected / (double)(accepted + rejected), 0.4, 0.6);
        // A full queue of 100 ahead of 4 workers of 100 ms each is about 2.5 s of waiting.
        Assert.InRange(lastWait.TotalSeconds, 1.5, 3.5);
    }

    private static (TimeSpan Mean, int Rejected) Run(int workers, int queueLimit, double rate, int seconds, int seed)
    {
        var pool = new FifoWorkerPool(workers, queueLimit);
        var random = new Random(seed);
        var sampler = new ServiceTimeSampler(ServiceTimeDistribution.Exponential, S, random);
        var now = TimeSpan.Zero;
        var total = TimeSpan.Zero;
        int served = 0, rejected = 0;
        while (now < TimeSpan.FromSeconds(seconds))
        {
            now += TimeSpan.FromSeconds(-Math.Log(1 - random.NextDouble()) / rate);
            var admission = pool.Admit(now, sampler.Next());
            if (!admission.Accepted)
            {
                rejected++;
                continue;
            }

            total += admission.End - now;
            served++;
        }

        return (total / served, rejected);
    }
}
