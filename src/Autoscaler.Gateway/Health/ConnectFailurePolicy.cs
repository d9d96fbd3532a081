using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Autoscaler.Gateway.Health;

/// <summary>
/// Passive health: a replica that refuses a connection is taken out of rotation at once, and YARP
/// brings it back (health unknown) after the cluster's reactivation period. Other errors say nothing
/// about whether the replica is there, so they leave its health alone.
/// </summary>
internal sealed partial class ConnectFailurePolicy(IDestinationHealthUpdater healthUpdater, GatewayOptions options, ILogger<ConnectFailurePolicy> logger)
    : IPassiveHealthCheckPolicy
{
    public const string PolicyName = "ConnectFailure";

    public string Name => PolicyName;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        var error = context.Features.Get<IForwarderErrorFeature>();
        if (error is null || error.Error != ForwarderError.Request || !ProxyErrors.IsConnectFailure(error.Exception))
        {
            return;
        }

        var period = options.ReactivationPeriod;
        if (destination.Health.Passive != DestinationHealth.Unhealthy)
        {
            // Logged once per outage, not once per failed request.
            LogUnhealthy(destination.DestinationId, error.Exception?.Message ?? "connect failed", period);
        }

        healthUpdater.SetPassive(cluster, destination, DestinationHealth.Unhealthy, period);
    }

    [LoggerMessage(LogLevel.Warning, "Destination {Destination} out of rotation for {Period}: {Reason}")]
    private partial void LogUnhealthy(string destination, string reason, TimeSpan period);
}
