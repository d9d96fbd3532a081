using System.CommandLine;

namespace Autoscaler.Cli.Composition;

/// <summary><c>--target</c>: what the scaler scales. Each kind is wired in its own factory; this only names them.</summary>
internal static class TargetFlag
{
    public const string Local = "local";
    public const string Ansible = "ansible";
    public const string Compose = "compose";
    public const string Kubernetes = "kubernetes";

    public static Option<string> Create(string description, params string[] kinds)
    {
        var option = new Option<string>("--target") { Description = description, DefaultValueFactory = _ => Local };
        option.AcceptOnlyFromAmong(kinds);
        return option;
    }
}
