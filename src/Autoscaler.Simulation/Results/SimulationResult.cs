using Autoscaler.Core.Queueing;

namespace Autoscaler.Simulation.Results;

/// <summary>The service level objective a run is scored against: a step violates it when either bound is broken.</summary>
/// <param name="LatencySeconds">The latency bound.</param>
/// <param name="Statistic">Whether the bound applies to the mean or the p95 of a step.</param>
/// <param name="MaxErrorRate">The largest tolerated fraction of dropped requests in a step (0.01 = 1 %).</param>
public sealed record SloSpec(double LatencySeconds, LatencyStatistic Statistic, double MaxErrorRate)
{
    /// <summary>The same bounds as Core's <see cref="ServiceLevel"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ServiceLevel Level => new(LatencySeconds, Statistic, MaxErrorRate);
}

/// <summary>
/// One point of a run's time series, as kept for charts and CSV (downsampled: a point may stand for several
/// steps, holding their averages and, for replicas, the last value).
/// </summary>
/// <param name="Seconds">Simulated time since the start.</param>
/// <param name="DemandRps">Offered load.</param>
/// <param name="ReadyReplicas">Replicas serving (started and not draining).</param>
/// <param name="DesiredReplicas">The count the policy asked for.</param>
/// <param name="OracleReplicas">The fewest replicas that meet the SLO at this moment (the demand, in the elasticity metrics).</param>
/// <param name="ThroughputRps">Requests completed per second.</param>
/// <param name="DroppedRps">Requests rejected per second.</param>
/// <param name="MeanLatencySeconds">Mean latency of the requests served.</param>
/// <param name="P95LatencySeconds">95th percentile latency of the requests served.</param>
/// <param name="QueueLength">Requests waiting, summed over replicas.</param>
public sealed record SeriesPoint(
    double Seconds,
    double DemandRps,
    int ReadyReplicas,
    int DesiredReplicas,
    int OracleReplicas,
    double ThroughputRps,
    double DroppedRps,
    double MeanLatencySeconds,
    double P95LatencySeconds,
    double QueueLength);

/// <summary>The scores of one policy over a run (field names as in <c>summary.json</c>; formulas in docs/simulation.md).</summary>
public sealed record PolicyScore
{
    /// <summary>The policy's name.</summary>
    public required string Policy { get; init; }

    /// <summary>Replica-seconds: the integral of running replicas (starting ones included) over time.</summary>
    public double ReplicaSeconds { get; init; }

    /// <summary>Cost at the scenario's price per replica-hour.</summary>
    public double Cost { get; init; }

    /// <summary>Replica-seconds divided by the oracle's.</summary>
    public double CostRatioToOracle { get; init; }

    /// <summary>Simulated seconds in violation of the SLO.</summary>
    public double SloViolationSeconds { get; init; }

    /// <summary>The same, as a percentage of the run.</summary>
    public double SloViolationPercent { get; init; }

    /// <summary>Requests rejected because every queue was full.</summary>
    public long DroppedRequests { get; init; }

    /// <summary>Times the replica count changed.</summary>
    public int ScaleActions { get; init; }

    /// <summary>Mean latency of all requests served.</summary>
    public double MeanLatencySeconds { get; init; }

    /// <summary>95th percentile latency over all requests served.</summary>
    public double P95LatencySeconds { get; init; }

    /// <summary>SPEC RG θU: under-provisioned replicas relative to demand, averaged over time (percent).</summary>
    public double UnderProvisioningAccuracy { get; init; }

    /// <summary>SPEC RG θO: over-provisioned replicas relative to demand, averaged over time (percent).</summary>
    public double OverProvisioningAccuracy { get; init; }

    /// <summary>SPEC RG τU: share of time under-provisioned (percent).</summary>
    public double UnderProvisioningTimeshare { get; init; }

    /// <summary>SPEC RG τO: share of time over-provisioned (percent).</summary>
    public double OverProvisioningTimeshare { get; init; }

    /// <summary>SPEC RG instability: share of time supply and demand move in different directions (percent).</summary>
    public double Instability { get; init; }
}

/// <summary>One policy's run: its scores and its (downsampled) time series.</summary>
/// <param name="Score">The scores.</param>
/// <param name="Series">Points for charts and CSV.</param>
public sealed record PolicyRun(PolicyScore Score, IReadOnlyList<SeriesPoint> Series);

/// <summary>Everything a simulation produced, for the console table, summary.json, CSV, charts and the HTML report.</summary>
/// <param name="Scenario">The scenario's name (file name without extension, or as given).</param>
/// <param name="Seed">The random seed used.</param>
/// <param name="DurationSeconds">Simulated duration.</param>
/// <param name="StepSeconds">Simulation step.</param>
/// <param name="Slo">The objective scored against.</param>
/// <param name="CostPerReplicaHour">Price of one replica for one hour.</param>
/// <param name="WallSeconds">Wall-clock time the run took.</param>
/// <param name="Policies">One run per policy; the oracle is named <c>oracle</c>.</param>
public sealed record SimulationResult(
    string Scenario,
    int Seed,
    double DurationSeconds,
    double StepSeconds,
    SloSpec Slo,
    double CostPerReplicaHour,
    double WallSeconds,
    IReadOnlyList<PolicyRun> Policies);
