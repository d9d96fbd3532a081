namespace Autoscaler.Core.Queueing;

/// <summary>Which latency statistic an SLO bounds.</summary>
public enum LatencyStatistic
{
    /// <summary>The mean latency.</summary>
    Mean,

    /// <summary>The 95th percentile latency.</summary>
    P95,
}

/// <summary>How the statistic is named in tables, charts and messages.</summary>
public static class LatencyStatistics
{
    /// <summary><c>p95</c> or <c>mean</c>.</summary>
    public static string Label(this LatencyStatistic statistic) => statistic == LatencyStatistic.P95 ? "p95" : "mean";
}

/// <summary>A service level objective: a bound on a latency statistic and on the share of rejected requests.</summary>
/// <param name="LatencySeconds">The latency bound.</param>
/// <param name="Statistic">Whether the bound applies to the mean or the 95th percentile.</param>
/// <param name="MaxErrorRate">The largest tolerated share of rejected requests (0.01 = 1 %).</param>
public readonly record struct ServiceLevel(double LatencySeconds, LatencyStatistic Statistic, double MaxErrorRate);
