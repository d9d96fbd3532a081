using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Autoscaler.Gateway.Health;

/// <summary>
/// Passive health, judged from the requests themselves. A replica that refuses a connection (or does not accept one
/// within the connect timeout) leaves rotation at once. Timeouts, transport errors after the request was sent and 5xx
/// answers other than 503 are failures; when at least <see cref="GatewayOptions.FailureMinimum"/> of the requests of
/// the last <see cref="GatewayOptions.FailureWindow"/> failed and they are at least <see cref="GatewayOptions.FailureRate"/>
/// of them, the replica leaves rotation too. Either way YARP brings it back after the reactivation period. A 503 is
/// the replica saying it is full, which least-requests balancing already answers; taking a busy replica out would
/// only pile its load onto the others. Requests the client abandoned, or that the gateway cancelled itself, say
/// nothing about the replica.
/// </summary>
internal sealed class FailureWindowPolicy(
    IDestinationHealthUpdater healthUpdater, DestinationEjections ejections, GatewayOptions options, TimeProvider time) : IPassiveHealthCheckPolicy
{
    public const string PolicyName = "Autoscaler.Failures";

    private readonly ConditionalWeakTable<DestinationState, FailureWindow> _windows = new();

    public string Name => PolicyName;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        var error = context.Features.Get<IForwarderErrorFeature>();
        var kind = error is null ? (ProxyErrorKind?)null : ProxyErrors.Classify(error, context.RequestAborted.IsCancellationRequested);
        if (kind == ProxyErrorKind.Connect)
        {
            Eject(cluster, destination, EjectionReason.Connect, error!.Exception?.Message ?? "connect failed");
            return;
        }

        bool failed;
        switch (kind)
        {
            case null:
                var status = context.Response.StatusCode;
                failed = status >= 500 && status != StatusCodes.Status503ServiceUnavailable;
                break;
            case ProxyErrorKind.Request or ProxyErrorKind.Timeout or ProxyErrorKind.Response:
                failed = true;
                break;
            default:
                return; // client gone, cancelled by an ejection, no destination: nothing learnt about this replica
        }

        var window = _windows.GetValue(destination, _ => new FailureWindow(options.FailureWindow, time));
        if (window.Record(time.GetTimestamp(), failed, options.FailureMinimum, options.FailureRate) is var (failures, requests))
        {
            Eject(cluster, destination, EjectionReason.Failures,
                $"{failures} of {requests} requests failed (timeouts, transport errors, 5xx other than 503) within {options.FailureWindow.TotalSeconds:0.#} s");
        }
    }

    private void Eject(ClusterState cluster, DestinationState destination, EjectionReason reason, string detail)
    {
        if (destination.Health.Passive == DestinationHealth.Unhealthy)
        {
            return; // already out; YARP would not extend the period either
        }

        healthUpdater.SetPassive(cluster, destination, DestinationHealth.Unhealthy, options.ReactivationPeriod);
        ejections.Eject(cluster, destination, reason, detail);
    }
}
