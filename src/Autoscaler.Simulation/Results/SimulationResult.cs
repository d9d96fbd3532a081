using System.Globalization;
using Autoscaler.Core;
using Autoscaler.Core.Queueing;
using Autoscaler.Core.Time;

namespace Autoscaler.Simulation.Results;

/// <summary>
/// The service level objective a run is scored against. A step violates it when either bound is broken; a policy
/// <em>meets</em> it over a run when at most <paramref name="ViolationBudget"/> of the run's time violates it and at
/// most <paramref name="MaxErrorRate"/> of all the requests offered were dropped (<see cref="Breaches"/>).
/// </summary>
/// <param name="LatencySeconds">The latency bound.</param>
/// <param name="Statistic">Whether the bound applies to the mean or the p95 of a step.</param>
/// <param name="MaxErrorRate">The largest tolerated fraction of dropped requests in a step, and over the run (0.01 = 1 %).</param>
/// <param name="ViolationBudget">The largest share of the run's time that may violate the SLO for a policy to meet it (0.01 = 1 %).</param>
public sealed record SloSpec(double LatencySeconds, LatencyStatistic Statistic, double MaxErrorRate, double ViolationBudget = SloSpec.DefaultViolationBudget)
{
    /// <summary>
    /// The default violation budget: the SLO holds 99.5 % of the time. It is the bound this project holds its own
    /// <c>slo</c> rule to on every benchmark scenario, and the budget <c>tune</c> searches within, so "meets the SLO" means
    /// the same in a report, a benchmark table and a tuning run.
    /// </summary>
    public const double DefaultViolationBudget = 0.005;

    /// <summary>The same bounds as Core's <see cref="ServiceLevel"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ServiceLevel Level => new(LatencySeconds, Statistic, MaxErrorRate);

    /// <summary>
    /// Why a run does not meet this SLO, one phrase per broken condition; empty when it meets it. The one definition
    /// of "meets the SLO" that the console, the report and <c>summary.json</c> (<see cref="PolicyScore.MeetsSlo"/>) use.
    /// </summary>
    public IReadOnlyList<string> Breaches(PolicyScore score)
    {
        ArgumentNullException.ThrowIfNull(score);
        var c = CultureInfo.InvariantCulture;
        var breaches = new List<string>(2);

        // A hair of tolerance: a share computed as seconds / duration may land a rounding error above its budget.
        if (score.SloViolationPercent / 100 > ViolationBudget + 1e-12)
        {
            breaches.Add(string.Create(c,
                $"violates it {Durations.Humanize(TimeSpan.FromSeconds(Math.Round(score.SloViolationSeconds)))} ({score.SloViolationPercent:0.##} % of the run), over the budget of {ViolationBudget * 100:0.##} %"));
        }

        if (score.ErrorRate > MaxErrorRate + 1e-12)
        {
            breaches.Add(string.Create(c, $"dropped {score.ErrorRate * 100:0.##} % of requests, over the {MaxErrorRate * 100:0.##} % allowed"));
        }

        return breaches;
    }

    /// <summary>
    /// The SLO in one line, as the console and the report state it: "mean latency ≤ 500 ms and errors ≤ 1 % in a step,
    /// in violation at most 1 % of the run".
    /// </summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Statistic.Label()} latency ≤ {Durations.Humanize(TimeSpan.FromSeconds(LatencySeconds))} and errors ≤ {MaxErrorRate * 100:0.##} % in a step; met when at most {ViolationBudget * 100:0.##} % of the run violates it and at most {MaxErrorRate * 100:0.##} % of all requests are dropped");
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

    /// <summary>Whether the run meets the SLO: <see cref="SloSpec.Breaches"/> finds nothing.</summary>
    public bool MeetsSlo { get; init; }

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

    /// <summary>Requests offered over the run (the demand).</summary>
    public long OfferedRequests { get; init; }

    /// <summary>Share of the offered requests that were dropped (0..1).</summary>
    public double ErrorRate { get; init; }

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
public sealed record PolicyRun(PolicyScore Score, IReadOnlyList<SeriesPoint> Series)
{
    /// <summary>
    /// What the policy ran with, every default filled in, as YAML in the policy-file format (the oracle: how it sizes);
    /// empty when unknown.
    /// </summary>
    public string Parameters { get; init; } = "";

    /// <summary>Whether this is the oracle, the lower bound the others are measured against.</summary>
    public bool IsOracle => string.Equals(Score.Policy, Scenarios.BuiltInPolicies.Oracle, StringComparison.Ordinal);
}

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
    IReadOnlyList<PolicyRun> Policies)
{
    /// <summary>The build of the tool that ran the simulation (<see cref="BuildInfo.Description"/>).</summary>
    public string Version { get; init; } = BuildInfo.Description;

    /// <summary>The most replicas the oracle runs: the scenario's <c>replicas.max</c>.</summary>
    public int MaxReplicas { get; init; } = Core.Pipeline.ScalingLimits.DefaultMaxReplicas;

    /// <summary>
    /// Simulated time in which not even <see cref="MaxReplicas"/> replicas keep the SLO: the demand needs more by the
    /// oracle's sizing rule. The oracle runs the maximum then and violates the SLO with every policy capped there.
    /// </summary>
    public double SloOutOfReachSeconds { get; init; }

    /// <summary>
    /// The most replicas the oracle's sizing rule asks for at any scored step, before <see cref="MaxReplicas"/> caps it:
    /// what a policy's <c>maxReplicas</c> must reach for the SLO to be kept throughout.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int OracleMostNeeded { get; init; }

    /// <summary>The same as a percentage of the run.</summary>
    public double SloOutOfReachPercent => DurationSeconds > 0 ? 100 * SloOutOfReachSeconds / DurationSeconds : 0;

    /// <summary>
    /// "1m 2s (34.4 % of the run) needs more than replicas.max 6 replicas to keep the SLO: …"; null when the SLO is
    /// always within reach. The console and the report say it in these words, after "SLO out of reach".
    /// </summary>
    public string? OutOfReach => SloOutOfReachSeconds <= 0 ? null : string.Create(CultureInfo.InvariantCulture,
        $"{Durations.Humanize(TimeSpan.FromSeconds(Math.Round(SloOutOfReachSeconds)))} ({SloOutOfReachPercent:0.#} % of the run) needs more than replicas.max {MaxReplicas} replicas to keep the SLO: the oracle runs {MaxReplicas} then and breaks it, as does every policy held to {MaxReplicas}");

    /// <summary>
    /// The policy to pick: the cheapest (fewest replica-seconds) that meets the SLO, fewer violation seconds breaking a
    /// tie; null when none does. The oracle is a bound, never a candidate.
    /// </summary>
    public PolicyRun? Best => Policies
        .Where(p => !p.IsOracle && p.Score.MeetsSlo)
        .OrderBy(p => p.Score.ReplicaSeconds)
        .ThenBy(p => p.Score.SloViolationSeconds)
        .FirstOrDefault();

    /// <summary>
    /// The policies a reader might pick for their cost although they break the SLO: those no dearer than
    /// <see cref="Best"/>, or every one that fails when none meets it. The oracle is never among them.
    /// </summary>
    public IEnumerable<PolicyRun> CheaperButFailing
    {
        get
        {
            var best = Best;
            return Policies.Where(p => !p.IsOracle && !p.Score.MeetsSlo && (best is null || p.Score.ReplicaSeconds <= best.Score.ReplicaSeconds));
        }
    }
}
