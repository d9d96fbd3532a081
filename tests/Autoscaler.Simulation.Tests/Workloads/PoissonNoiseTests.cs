using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Simulation.Tests.Workloads;

public sealed class PoissonNoiseTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Theory]
    [InlineData(0.5)]
    [InlineData(4)]
    [InlineData(40)]
    [InlineData(2500)]
    public void Counts_have_the_mean_and_variance_of_a_Poisson_distribution(double rate)
    {
        var noisy = new PoissonNoise(new ConstantRate(rate), seed: 42, S(1));
        const int Buckets = 40_000;
        double sum = 0, sumSquares = 0;
        for (var i = 0; i < Buckets; i++)
        {
            var count = noisy.RateAt(S(i + 0.5));
            Assert.Equal(Math.Floor(count), count); // a whole number of arrivals per 1 s bucket
            sum += count;
            sumSquares += count * count;
        }

        var mean = sum / Buckets;
        var variance = (sumSquares / Buckets) - (mean * mean);
        // Standard error of the mean is sqrt(rate/N); allow five of them, and 5 % on the variance.
        Assert.InRange(mean, rate - (5 * Math.Sqrt(rate / Buckets)), rate + (5 * Math.Sqrt(rate / Buckets)));
        Assert.InRange(variance / rate, 0.95, 1.05);
    }

    [Fact]
    public void The_rate_holds_within_a_bucket_and_is_a_pure_function_of_seed_and_bucket()
    {
        var a = new PoissonNoise(new SineRate(100, 50, S(60)), seed: 7, S(2));
        var b = new PoissonNoise(new SineRate(100, 50, S(60)), seed: 7, S(2));

        Assert.Equal(a.RateAt(S(10)), a.RateAt(S(11.999)));
        var forward = Enumerable.Range(0, 500).Select(i => a.RateAt(S(i * 0.3))).ToArray();
        var backward = Enumerable.Range(0, 500).Reverse().Select(i => b.RateAt(S(i * 0.3))).Reverse().ToArray();
        Assert.Equal(forward, backward);
        Assert.Equal(forward, Enumerable.Range(0, 500).Select(i => a.RateAt(S(i * 0.3))).ToArray());
    }

    [Fact]
    public void Another_seed_gives_other_noise_around_the_same_mean()
    {
        var one = new PoissonNoise(new ConstantRate(100), seed: 1, S(1));
        var two = new PoissonNoise(new ConstantRate(100), seed: 2, S(1));

        var first = Enumerable.Range(0, 1000).Select(i => one.RateAt(S(i))).ToArray();
        var second = Enumerable.Range(0, 1000).Select(i => two.RateAt(S(i))).ToArray();

        Assert.True(first.Zip(second).Count(p => p.First != p.Second) > 900);
        Assert.InRange(first.Average(), 98, 102);
        Assert.InRange(second.Average(), 98, 102);
    }

    [Fact]
    public void A_longer_bucket_smooths_the_rate_and_the_mean_follows_the_inner_pattern()
    {
        var ramp = new RampRate(0, 1000, S(1000));
        var noisy = new PoissonNoise(ramp, seed: 3, S(10));

        // Over a 10 s bucket at ~500 req/s the count is ~5000 ± 71, i.e. the rate is within ~1.5 % (3 sigma).
        var rate = noisy.RateAt(S(503));
        Assert.InRange(rate, 505 * 0.97, 505 * 1.03);
        Assert.Equal(0, noisy.RateAt(S(-5))); // the ramp is 0 before the start
        Assert.Equal(0, new PoissonNoise(new ConstantRate(0), 1, S(1)).RateAt(S(3)));
        Assert.Equal("poisson", noisy.Name);
    }

    [Fact]
    public void RateAt_allocates_nothing()
    {
        var noisy = new PoissonNoise(new SumRate([new DiurnalRate(10, 300, period: TimeSpan.FromMinutes(10)), new ConstantRate(5)]), seed: 9, S(1));
        var sum = 0.0;
        for (var i = 0; i < 1000; i++)
        {
            sum += noisy.RateAt(S(i));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100_000; i++)
        {
            sum += noisy.RateAt(S(i));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0);
    }

    [Fact]
    public void A_zero_bucket_is_refused()
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => new PoissonNoise(new ConstantRate(1), 1, TimeSpan.Zero));

        Assert.Contains("poisson: bucket 0s must be longer than zero", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_factorial_is_exact_in_the_table_and_by_Stirling_beyond()
    {
        Assert.Equal(Math.Log(120), PoissonSampler.LogFactorial(5), 12);
        var exact = Enumerable.Range(2, 299).Sum(i => Math.Log(i));
        Assert.Equal(exact, PoissonSampler.LogFactorial(300), 9);
    }
}
