using System.CommandLine;

namespace Autoscaler.Cli.Composition;

/// <summary><c>--target</c>: what the scaler scales. Each kind is wired in its own factory; this only names them.</summary>
internal static class TargetFlag
{
    public const string Local = "local";
    public const string Ansible = "ansible";
    public const string Compose = "compose";
    public const string Kubernetes = "kubernetes";

    public static Option<string> Create(string description)
    {
        var option = new Option<string>("--target") { Description = description, DefaultValueFactory = _ => Local };
        option.AcceptOnlyFromAmong(Local, Ansible, Compose, Kubernetes);
        return option;
    }

    /// <summary>
    /// True when <paramref name="target"/> is <paramref name="kind"/>; otherwise false, with each of <paramref name="flags"/>
    /// the user gave reported to <paramref name="loader"/>, since it only means something for <paramref name="kind"/>.
    /// </summary>
    public static bool Selected(ParseResult parse, OptionsLoader loader, IEnumerable<Option> flags, string kind, string target)
    {
        if (target == kind)
        {
            return true;
        }

        foreach (var flag in flags.Where(f => parse.GetResult(f) is { Implicit: false }))
        {
            loader.Problem($"{flag.Name} needs --target {kind} (the target is {target})");
        }

        return false;
    }
}
