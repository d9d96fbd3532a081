using System.CommandLine;
using Autoscaler.Cli.Composition;
using Autoscaler.Scaler;

namespace Autoscaler.Cli.Tests.Composition;

/// <summary>The scaler's flags as <c>scaler</c> and <c>up</c> bind them, for tests of what a command line sets.</summary>
internal static class ScalerFlagsParser
{
    /// <summary>The settings <paramref name="args"/> give; bad input throws the <see cref="UsageException"/> the command would print.</summary>
    public static ScalerSettings Bind(params string[] args)
    {
        var flags = new ScalerFlags();
        var command = new RootCommand();
        foreach (var option in flags.All)
        {
            command.Options.Add(option);
        }

        var loader = new OptionsLoader(ScalerOptions.LegacyEnvironment);
        var settings = flags.Bind(command.Parse(args), loader);
        loader.ThrowIfInvalid();
        return settings;
    }
}
