using System.CommandLine;

namespace Autoscaler.Cli.Commands;

/// <summary><c>autoscaler load</c>: the open-loop load generator.</summary>
internal static class LoadCommand
{
    public static Command Create() => new("load", "Drive open-loop load (not yet built)");
}
