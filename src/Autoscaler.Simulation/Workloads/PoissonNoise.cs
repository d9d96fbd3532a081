using Autoscaler.Simulation.Runner;

namespace Autoscaler.Simulation.Workloads;

/// <summary>
/// Counting noise on top of any pattern: time is cut into buckets, and the rate throughout a bucket is a
/// Poisson-distributed number of arrivals, with mean the inner rate at the bucket's middle times the bucket's
/// length, divided by that length. The draw depends only on the seed and the bucket's number, never on which
/// times were asked for before, so <see cref="RateAt"/> is a pure function and runs can be repeated bit for bit.
/// </summary>
public sealed class PoissonNoise : IRatePattern
{
    private readonly long _bucketTicks;
    private readonly double _bucketSeconds;

    /// <summary>Creates the pattern.</summary>
    /// <param name="inner">The pattern whose rate is the mean.</param>
    /// <param name="seed">Seed of the draws: the same seed gives the same noise.</param>
    /// <param name="bucket">How long one draw holds; 1 s by default in the textual syntax.</param>
    public PoissonNoise(IRatePattern inner, int seed, TimeSpan bucket)
    {
        Inner = inner ?? throw new InvalidWorkloadException("poisson: no pattern to add noise to");
        Seed = seed;
        Bucket = RateChecks.Positive(bucket, "poisson: bucket");
        _bucketTicks = Bucket.Ticks;
        _bucketSeconds = Bucket.TotalSeconds;
    }

    /// <summary>The pattern whose rate is the mean.</summary>
    public IRatePattern Inner { get; }

    /// <summary>Seed of the draws.</summary>
    public int Seed { get; }

    /// <summary>How long one draw holds.</summary>
    public TimeSpan Bucket { get; }

    /// <inheritdoc />
    public string Name => RatePatterns.Poisson;

    /// <inheritdoc />
    public double Peak => Inner.Peak;

    /// <inheritdoc />
    public double RateAt(TimeSpan elapsed)
    {
        var bucket = Math.DivRem(elapsed.Ticks, _bucketTicks, out var rest);
        if (rest < 0)
        {
            bucket--; // floor for times before the start
        }

        var middle = TimeSpan.FromTicks((bucket * _bucketTicks) + (_bucketTicks / 2));
        var mean = Inner.RateAt(middle) * _bucketSeconds;
        return PoissonSampler.Draw(mean, Seed, bucket) / _bucketSeconds;
    }
}

/// <summary>Poisson draws from a counter-based generator: each (seed, index) pair has its own stream.</summary>
internal static class PoissonSampler
{
    // Below this mean, inversion (a handful of steps); above, Hörmann's transformed rejection (PTRS), O(1).
    private const double InversionLimit = 10;
    private const int LogFactorialTableSize = 256;
    private static readonly double[] LogFactorials = BuildLogFactorials();

    public static double Draw(double mean, int seed, long index)
    {
        if (!(mean > 0))
        {
            return 0;
        }

        var random = new SplitMix(seed, index);
        return mean < InversionLimit ? Inversion(mean, ref random) : Ptrs(mean, ref random);
    }

    private static double Inversion(double mean, ref SplitMix random)
    {
        var u = random.NextDouble();
        var p = Math.Exp(-mean);
        var cumulative = p;
        var k = 0;
        while (u > cumulative && k < 1000)
        {
            k++;
            p *= mean / k;
            cumulative += p;
        }

        return k;
    }

    // W. Hörmann, "The transformed rejection method for generating Poisson random variables" (1993), as in NumPy.
    private static double Ptrs(double mean, ref SplitMix random)
    {
        var slam = Math.Sqrt(mean);
        var logMean = Math.Log(mean);
        var b = 0.931 + (2.53 * slam);
        var a = -0.059 + (0.02483 * b);
        var invAlpha = 1.1239 + (1.1328 / (b - 3.4));
        var vr = 0.9277 - (3.6224 / (b - 2));
        while (true)
        {
            var u = random.NextDouble() - 0.5;
            var v = random.NextDouble();
            var us = 0.5 - Math.Abs(u);
            var k = Math.Floor((((2 * a / us) + b) * u) + mean + 0.43);
            if (us >= 0.07 && v <= vr)
            {
                return k;
            }

            if (k < 0 || (us < 0.013 && v > us))
            {
                continue;
            }

            if (Math.Log(v) + Math.Log(invAlpha) - Math.Log((a / (us * us)) + b) <= -mean + (k * logMean) - LogFactorial(k))
            {
                return k;
            }
        }
    }

    internal static double LogFactorial(double k)
    {
        if (k < LogFactorialTableSize)
        {
            return LogFactorials[(int)k];
        }

        // Stirling's series for ln Γ(x), x = k + 1 ≥ 257: accurate to well below 1e-12.
        var x = k + 1;
        var inverse = 1 / x;
        var inverse2 = inverse * inverse;
        return ((x - 0.5) * Math.Log(x)) - x + (0.5 * Math.Log(2 * Math.PI))
            + (inverse * ((1.0 / 12) - (inverse2 * ((1.0 / 360) - (inverse2 / 1260)))));
    }

    private static double[] BuildLogFactorials()
    {
        var table = new double[LogFactorialTableSize];
        for (var i = 2; i < table.Length; i++)
        {
            table[i] = table[i - 1] + Math.Log(i);
        }

        return table;
    }

    /// <summary>SplitMix64 started from a hash of the seed and the index; a value type, so drawing allocates nothing.</summary>
    private struct SplitMix(int seed, long index)
    {
        private ulong _state = CounterRandom.Mix(((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) ^ CounterRandom.Mix((ulong)index + 0x632BE59BD9B4E019UL));

        public double NextDouble()
        {
            _state += 0x9E3779B97F4A7C15UL;
            return (CounterRandom.Mix(_state) >> 11) * (1.0 / (1UL << 53));
        }
    }
}
