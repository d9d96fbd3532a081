using Autoscaler.Core.Pipeline;

namespace Autoscaler.Scaler.Fleet;

/// <summary>One metric of a service as its last evaluation read it: the value, or why there was none.</summary>
public sealed record MetricStatus(string Name, double? Value, string? Error);

/// <summary>What <c>GET /api/v1/services</c> shows of one service.</summary>
/// <param name="Name">The service.</param>
/// <param name="Target">What it scales.</param>
/// <param name="CurrentReplicas">The count at the last evaluation (or as set through the API since).</param>
/// <param name="DesiredReplicas">What the last evaluation chose.</param>
/// <param name="Metrics">Every metric and learning input, as last read.</param>
/// <param name="LastError">The last evaluation's problem, or the service file's while it cannot be applied.</param>
/// <param name="LastEvaluation">When it last evaluated.</param>
/// <param name="Paused">The pause in force, or null.</param>
/// <param name="DryRun">Decisions only logged, never applied.</param>
/// <param name="Leader">Whether this scaler acts on its decisions (a standby only decides).</param>
/// <param name="File">The file the service was read from; null for a service from flags.</param>
/// <param name="FileProblem">Why the file, changed since, could not be applied (the service runs its last good version); null when it could.</param>
public sealed record ServiceStatus(
    string Name,
    string? Target,
    int? CurrentReplicas,
    int? DesiredReplicas,
    IReadOnlyList<MetricStatus> Metrics,
    string? LastError,
    DateTimeOffset? LastEvaluation,
    ScalingPause? Paused,
    bool DryRun,
    bool Leader,
    string? File,
    string? FileProblem);

/// <summary><c>GET /api/v1/services</c> and <c>/api/v1/services/{name}</c>: every service, or one, as its loop sees it.</summary>
internal static class ServicesEndpoint
{
    public const string Path = "/api/v1/services";

    /// <summary>The running services, then those whose file never could be applied (no loop, only the problem).</summary>
    public static IReadOnlyList<ServiceStatus> List(ScalerFleet fleet) =>
        [
            .. fleet.Services.Select(s => Describe(fleet, s)),
            .. fleet.Problems.Where(p => fleet.Find(p.Service) is null)
                .Select(p => new ServiceStatus(p.Service, null, null, null, [], p.Message, null, null, false, false, p.File, p.Message)),
        ];

    public static ServiceStatus Describe(ScalerFleet fleet, ScalerService service)
    {
        var status = service.State.Snapshot();
        var last = status.LastDecisions.Count > 0 ? status.LastDecisions[0].Decision : null;
        var metrics = last is null
            ? service.Setup.Sources.Select(s => new MetricStatus(s.Name, null, null)).ToList()
            : last.Readings.Select(r => new MetricStatus(r.Metric, r.Value, r.Succeeded ? null : r.Message)).ToList();
        var problem = fleet.ProblemOf(service.Name);
        return new ServiceStatus(
            service.Name,
            status.Target,
            status.CurrentReplicas,
            status.DesiredReplicas,
            metrics,
            problem is null ? status.LastError : $"{problem.File}: {problem.Message} (running the last good version)",
            status.LastEvaluation,
            status.Pause,
            service.Loop.DryRun,
            Leader: fleet.Leadership.IsLeader,
            service.Setup.Source,
            problem?.Message);
    }
}
