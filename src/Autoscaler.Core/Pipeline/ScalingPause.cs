namespace Autoscaler.Core.Pipeline;

/// <summary>
/// A pause of the pipeline (KEDA's <c>autoscaling.keda.sh/paused-replicas</c> and <c>autoscaling.keda.sh/paused</c>):
/// the pipeline goes on reading metrics and deciding, so its record says what the policy would choose, but the count
/// it returns is <see cref="Replicas"/>, or the current count when that is null.
/// </summary>
/// <param name="Replicas">The count to hold; null holds whatever count the target has.</param>
/// <param name="Source">Who paused: <see cref="PauseSources.Policy"/> or <see cref="PauseSources.Api"/>.</param>
/// <param name="Since">When the pause began.</param>
public sealed record ScalingPause(int? Replicas, string Source, DateTimeOffset Since)
{
    /// <summary>The count a paused evaluation returns when the target has <paramref name="currentReplicas"/>.</summary>
    public int Hold(int currentReplicas) => Replicas ?? currentReplicas;

    /// <summary>"paused at 3" or "paused at the current count", with who paused and since when.</summary>
    public override string ToString() =>
        FormattableString.Invariant($"paused at {(Replicas is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "the current count")} ({Source}, since {Since.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)");
}

/// <summary>The values of <see cref="ScalingPause.Source"/>.</summary>
public static class PauseSources
{
    /// <summary>The policy file starts paused (<c>pause:</c>).</summary>
    public const string Policy = "policy";

    /// <summary><c>PUT /api/v1/replicas</c> with <c>"pause": true</c>.</summary>
    public const string Api = "api";
}
