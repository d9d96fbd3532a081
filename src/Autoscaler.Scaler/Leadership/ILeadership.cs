namespace Autoscaler.Scaler.Leadership;

/// <summary>
/// Whether this scaler may act on its target: with several scalers on one target, one leads and the others stand by.
/// A standby still reads and decides (its forecasts stay warm) but never calls the target.
/// </summary>
public interface ILeadership
{
    /// <summary>This process's identity in the election (<c>POD_NAME</c>, or host name and process id).</summary>
    string Identity { get; }

    /// <summary>What the election runs on, for logs: <c>none</c>, <c>lock file PATH</c>, <c>Lease NAMESPACE/NAME</c>.</summary>
    string Description { get; }

    /// <summary>True while this process holds the leadership.</summary>
    bool IsLeader { get; }

    /// <summary>The identity of the current leader when known (this process's own while it leads), else null.</summary>
    string? Holder { get; }

    /// <summary>
    /// True when the leader's claim is still valid at <paramref name="now"/>: the fencing check made right before each
    /// call that changes the target, so a leader that was paused or cut off past its claim does not act on waking.
    /// </summary>
    bool CanAct(DateTimeOffset now);

    /// <summary>Raised with true when this process gains the leadership, with false when it loses it.</summary>
    event Action<bool>? Changed;

    /// <summary>Campaigns for and holds the leadership until <paramref name="cancellationToken"/> is cancelled, then gives it up.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>Helpers shared by the elections.</summary>
public static class Leaders
{
    /// <summary>
    /// The default identity: the <c>POD_NAME</c> environment variable (set from the downward API in the shipped
    /// manifests), else <c>HOST-PID</c>, unique among processes on one host and readable in a log.
    /// </summary>
    public static string DefaultIdentity() =>
        Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Why a scaler that may not act at <paramref name="now"/> does not: <c>standby: HOLDER leads</c>.</summary>
    public static string StandbyReason(ILeadership leadership, DateTimeOffset now) =>
        leadership.IsLeader && !leadership.CanAct(now) ? $"standby: {leadership.Identity}'s claim on the {leadership.Description} has lapsed (not renewed in time)"
        : leadership.Holder is { Length: > 0 } holder && holder != leadership.Identity ? $"standby: {holder} leads"
        : $"standby: no leader on the {leadership.Description} yet";
}
