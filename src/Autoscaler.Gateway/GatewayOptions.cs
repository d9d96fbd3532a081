namespace Autoscaler.Gateway;

/// <summary>Options of the load balancer in front of the replicas.</summary>
public sealed class GatewayOptions
{
    /// <summary>Configuration section (environment: <c>Gateway__DestinationsFile=…</c>).</summary>
    public const string Section = "Gateway";
}
