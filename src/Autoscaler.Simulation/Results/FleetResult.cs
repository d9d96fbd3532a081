using System.Text.Json.Serialization;
using Autoscaler.Core;

namespace Autoscaler.Simulation.Results;

/// <summary>One evaluation at which the fleet cap gave a service less than its pipeline asked for.</summary>
/// <param name="Seconds">Simulated time.</param>
/// <param name="Service">The service cut.</param>
/// <param name="Policy">The run (the policy the services ran).</param>
/// <param name="Current">Its count before.</param>
/// <param name="Wanted">The count its pipeline decided.</param>
/// <param name="Granted">The count it got.</param>
/// <param name="Reason">Why, in one phrase that starts with "fleet cap".</param>
public sealed record FleetCapDecision(double Seconds, string Service, string Policy, int Current, int Wanted, int Granted, string Reason);

/// <summary>One point of a fleet run's totals over time (downsampled as each service's series).</summary>
/// <param name="Seconds">Simulated time since the start.</param>
/// <param name="ReadyReplicas">Ready replicas of every service together.</param>
/// <param name="TargetReplicas">Starting and ready replicas of every service together: what the cap bounds.</param>
/// <param name="OracleReplicas">The sum of the services' oracle counts at this moment (not held to the cap).</param>
public sealed record FleetPoint(double Seconds, int ReadyReplicas, int TargetReplicas, int OracleReplicas);

/// <summary>A run's scores over every service together (docs/simulation.md, "Several services").</summary>
public sealed record FleetTotal
{
    /// <summary>The run: the policy the services ran (or <c>oracle</c>).</summary>
    public required string Policy { get; init; }

    /// <summary>Whether every service meets the SLO in this run.</summary>
    public bool MeetsSlo { get; init; }

    /// <summary>Replica-seconds of every service together.</summary>
    public double ReplicaSeconds { get; init; }

    /// <summary>Cost of every service together.</summary>
    public double Cost { get; init; }

    /// <summary>Replica-seconds over the sum of the services' oracles' replica-seconds.</summary>
    public double CostRatioToOracle { get; init; }

    /// <summary>The services' SLO violation seconds added up (two services in violation for one second count two).</summary>
    public double SloViolationSeconds { get; init; }

    /// <summary>Requests dropped, every service together.</summary>
    public long DroppedRequests { get; init; }

    /// <summary>Requests offered, every service together.</summary>
    public long OfferedRequests { get; init; }

    /// <summary>Dropped / offered over every service.</summary>
    public double ErrorRate { get; init; }

    /// <summary>Scale actions of every service together.</summary>
    public int ScaleActions { get; init; }

    /// <summary>Evaluations at which the cap gave a service less than it asked for, every service together.</summary>
    public int CappedEvaluations { get; init; }

    /// <summary>The same per service, by name.</summary>
    public IReadOnlyDictionary<string, int> CappedByService { get; init; } = new Dictionary<string, int>();

    /// <summary>The most starting and ready replicas the services had together at any step.</summary>
    public int MostReplicas { get; init; }

    /// <summary>The totals over time.</summary>
    [JsonIgnore]
    public IReadOnlyList<FleetPoint> Series { get; init; } = [];

    /// <summary>The cap's cuts, in time order (the first <see cref="FleetResult.MaxDecisionsKept"/> per service).</summary>
    [JsonIgnore]
    public IReadOnlyList<FleetCapDecision> Decisions { get; init; } = [];

    /// <summary>Whether this is the sum of the oracles.</summary>
    [JsonIgnore]
    public bool IsOracle => string.Equals(Policy, Scenarios.BuiltInPolicies.Oracle, StringComparison.Ordinal);
}

/// <summary>The services' results under one setting of the cap: with it, or without it.</summary>
/// <param name="Capped">Whether the cap held.</param>
/// <param name="Services">Per service, its scores exactly as a single-service run reports them, in the scenario's order.</param>
/// <param name="Totals">Per run (the oracle first), every service together.</param>
public sealed record FleetOutcome(bool Capped, IReadOnlyList<SimulationResult> Services, IReadOnlyList<FleetTotal> Totals);

/// <summary>Everything a simulation of several services produced.</summary>
/// <param name="Scenario">The scenario's name.</param>
/// <param name="Seed">The random seed used.</param>
/// <param name="DurationSeconds">Simulated (scored) duration.</param>
/// <param name="StepSeconds">Simulation step.</param>
/// <param name="Slo">The objective every service is scored against.</param>
/// <param name="CostPerReplicaHour">Price of one replica for one hour.</param>
/// <param name="WallSeconds">Wall-clock time the run took.</param>
/// <param name="TotalReplicas">The cap (<c>replicas.total</c>); null when the scenario has none.</param>
/// <param name="WithCap">The results with the cap; null when there is no cap or it was turned off.</param>
/// <param name="WithoutCap">The results without it (each service as if alone); null when only the capped run was asked for.</param>
public sealed record FleetResult(
    string Scenario,
    int Seed,
    double DurationSeconds,
    double StepSeconds,
    SloSpec Slo,
    double CostPerReplicaHour,
    double WallSeconds,
    int? TotalReplicas,
    FleetOutcome? WithCap,
    FleetOutcome? WithoutCap)
{
    /// <summary>The most cap decisions kept per service and run (all are counted).</summary>
    public const int MaxDecisionsKept = 1000;

    /// <summary>The build of the tool that ran the simulation.</summary>
    public string Version { get; init; } = BuildInfo.Description;

    /// <summary>
    /// Scored time in which the services' oracles together need more replicas than the cap: no policy can keep every
    /// service's SLO then. 0 without a cap.
    /// </summary>
    public double OraclesOverCapSeconds { get; init; }

    /// <summary>The most replicas the services' oracles need together at any scored step.</summary>
    public int OraclesMostReplicas { get; init; }

    /// <summary>The outcome shown first: with the cap when it ran, else without.</summary>
    [JsonIgnore]
    public FleetOutcome Main => WithCap ?? WithoutCap!;

    /// <summary>The services' names, in the scenario's order.</summary>
    [JsonIgnore]
    public IEnumerable<string> ServiceNames => Main.Services.Select(s => s.Scenario);
}
