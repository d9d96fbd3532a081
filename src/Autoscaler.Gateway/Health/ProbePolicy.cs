using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Autoscaler.Gateway.Health;

/// <summary>
/// Active health: YARP probes every replica's readiness path each <see cref="GatewayOptions.ProbeInterval"/>; a replica
/// whose last <see cref="GatewayOptions.ProbeFailures"/> probes failed (no answer within the timeout, or not 2xx) leaves
/// rotation, and the first probe that passes brings it back. YARP's own ConsecutiveFailures policy does the same;
/// this one also reports each change (counted, logged, requests waiting on the replica sent elsewhere, owners told).
/// </summary>
internal sealed class ProbePolicy(IDestinationHealthUpdater healthUpdater, DestinationEjections ejections, GatewayOptions options) : IActiveHealthCheckPolicy
{
    public const string PolicyName = "Autoscaler.Probe";

    private readonly ConditionalWeakTable<DestinationState, StrongBox<int>> _failures = new();

    public string Name => PolicyName;

    public void ProbingCompleted(ClusterState cluster, IReadOnlyList<DestinationProbingResult> probingResults)
    {
        if (probingResults.Count == 0)
        {
            return;
        }

        var updates = new NewActiveDestinationHealth[probingResults.Count];
        List<(DestinationState Destination, string Detail)>? ejected = null;
        List<DestinationState>? restored = null;
        List<(DestinationState Destination, string Detail)>? notYet = null;
        for (var i = 0; i < probingResults.Count; i++)
        {
            var result = probingResults[i];
            var destination = result.Destination;
            var before = destination.Health.Active;
            var failures = _failures.GetValue(destination, static _ => new StrongBox<int>());
            DestinationHealth after;
            if (result.Response is { IsSuccessStatusCode: true })
            {
                failures.Value = 0;
                after = DestinationHealth.Healthy;
            }
            else
            {
                failures.Value++;
                after = failures.Value >= options.ProbeFailures ? DestinationHealth.Unhealthy : before;
            }

            updates[i] = new NewActiveDestinationHealth(destination, after);
            if (after == DestinationHealth.Unhealthy && before == DestinationHealth.Unknown)
            {
                // Never in rotation through a probe yet (just added, or the gateway just started): nothing to eject.
                (notYet ??= []).Add((destination, Describe(result)));
            }
            else if (after == DestinationHealth.Unhealthy && before != DestinationHealth.Unhealthy)
            {
                (ejected ??= []).Add((destination, Describe(result)));
            }
            else if (after == DestinationHealth.Healthy && before == DestinationHealth.Unhealthy)
            {
                (restored ??= []).Add(destination);
            }
        }

        // Out of rotation first, so the requests cancelled next cannot be balanced back onto the same replica.
        healthUpdater.SetActive(cluster, updates);
        foreach (var (destination, detail) in ejected ?? [])
        {
            ejections.Eject(cluster, destination, EjectionReason.Probe, detail);
        }

        foreach (var (destination, detail) in notYet ?? [])
        {
            ejections.NotYetReady(destination, detail);
        }

        foreach (var destination in restored ?? [])
        {
            ejections.Restored(destination);
        }
    }

    private string Describe(DestinationProbingResult result) => result switch
    {
        { Response: { } response } => $"readiness probe answered {(int)response.StatusCode}",
        { Exception: OperationCanceledException } => $"readiness probe not answered within {options.ProbeTimeout.TotalMilliseconds:0} ms",
        { Exception: { } e } => $"readiness probe failed: {e.Message}",
        _ => "readiness probe failed",
    };
}
