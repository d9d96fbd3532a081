using System.CommandLine;
using Autoscaler.Core.Time;

namespace Autoscaler.Cli;

/// <summary>Exit codes a script can act on.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Interrupted = 130;
}

/// <summary>Bad input found by a verb: printed as one line, exit code 2, before anything is started.</summary>
internal sealed class UsageException(string message) : Exception(message);

internal static class CliRunner
{
    public static async Task<int> RunAsync(string[] args, params Command[] verbs)
    {
        Durations.RegisterForConfigurationBinding();
        var root = new RootCommand("autoscaler: a Prometheus-driven autoscaler with a demo service, a gateway, a load generator and a simulator.");
        foreach (var verb in verbs)
        {
            root.Subcommands.Add(verb);
        }

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            var verb = parsed.CommandResult.Command == root ? "autoscaler" : $"autoscaler {parsed.CommandResult.Command.Name}";
            // An unknown verb or flag says more than "required command was not provided".
            var error = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
            var message = string.Join(' ', error.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            await Console.Error.WriteLineAsync($"{verb}: {message} (see '{verb} --help')");
            return ExitCodes.Usage;
        }

        try
        {
            // Verbs handle Ctrl+C and SIGTERM themselves: a replica must drain, the load generator must print its summary.
            return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"autoscaler {parsed.CommandResult.Command.Name}: {e.Message}");
            return ExitCodes.Usage;
        }
    }
}
