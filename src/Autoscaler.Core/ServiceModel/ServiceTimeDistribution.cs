namespace Autoscaler.Core.ServiceModel;

/// <summary>How the demo service draws the time one request spends with a worker.</summary>
public enum ServiceTimeDistribution
{
    /// <summary>Exponential with the given mean (memoryless, the M/M/c case).</summary>
    Exponential,

    /// <summary>Always exactly the mean.</summary>
    Constant,

    /// <summary>Log-normal with the given mean and a shape (sigma) of 0.5: a long right tail, never zero.</summary>
    LogNormal,
}

/// <summary>Draws service times from a <see cref="ServiceTimeDistribution"/>; not thread-safe.</summary>
public sealed class ServiceTimeSampler(ServiceTimeDistribution distribution, TimeSpan mean, Random random)
{
    /// <summary>The shape (sigma of the underlying normal) of <see cref="ServiceTimeDistribution.LogNormal"/>; the simulator models the same.</summary>
    public const double LogNormalSigma = 0.5;

    /// <summary>The distribution drawn from.</summary>
    public ServiceTimeDistribution Distribution => distribution;

    /// <summary>The mean of the distribution.</summary>
    public TimeSpan Mean => mean;

    /// <summary>Draws one service time.</summary>
    public TimeSpan Next()
    {
        if (mean <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var m = mean.TotalSeconds;
        var seconds = distribution switch
        {
            ServiceTimeDistribution.Constant => m,
            ServiceTimeDistribution.Exponential => -m * Math.Log(1 - random.NextDouble()),
            ServiceTimeDistribution.LogNormal => Math.Exp(Math.Log(m) - (LogNormalSigma * LogNormalSigma / 2) + (LogNormalSigma * StandardNormal())),
            _ => throw new ArgumentOutOfRangeException(nameof(distribution), distribution, "unknown distribution"),
        };
        return TimeSpan.FromSeconds(seconds);
    }

    private double StandardNormal()
    {
        // Box-Muller; one of the pair is enough here.
        var u1 = 1 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
