using System.CommandLine;

namespace Autoscaler.Cli.Commands;

/// <summary><c>autoscaler gateway</c>: the load balancer in front of the replicas.</summary>
internal static class GatewayCommand
{
    public static Command Create() => new("gateway", "Run the load balancer (not yet built)");
}
