using System.ComponentModel;
using Autoscaler.Core.Processes;

namespace Autoscaler.Targets.Compose;

/// <summary>What a finished command printed and how it ended.</summary>
/// <param name="ExitCode">The exit code.</param>
/// <param name="StandardOutput">Everything written to stdout.</param>
/// <param name="StandardError">Everything written to stderr.</param>
internal sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>A command that could not run to completion: not installed, or stopped after its timeout.</summary>
internal sealed class ExternalCommandException(string message) : Exception(message);

/// <summary>Runs a program to completion with a timeout, capturing its output; no shell in between.</summary>
internal static class ExternalCommand
{
    /// <summary>Runs <paramref name="arguments"/> (program first). A timeout kills the process tree and throws <see cref="ExternalCommandException"/>.</summary>
    public static async Task<CommandResult> RunAsync(IReadOnlyList<string> arguments, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        // All of stdout is parsed (ps --format json) and all of stderr summarised, so both are kept whole and apart.
        var stdout = new List<string>();
        var stderr = new List<string>();
        var options = new ChildProcessOptions
        {
            Executable = arguments[0],
            Arguments = [.. arguments.Skip(1)],
            OutputLines = 0,
            OnOutput = line =>
            {
                var lines = line.IsError ? stderr : stdout;
                lock (lines)
                {
                    lines.Add(line.Line);
                }
            },

            // A scale action under way finishes when the scaler is killed, rather than being cut off half-way.
            DieWithParent = false,
            Time = time,
        };

        ChildProcessResult result;
        try
        {
            result = await ChildProcess.RunAsync(options, timeout, cancellationToken);
        }
        catch (Win32Exception e)
        {
            throw new ExternalCommandException($"cannot run {arguments[0]}: {e.Message}");
        }

        if (result.TimedOut)
        {
            throw new ExternalCommandException($"`{Describe(arguments)}` did not finish within {timeout.TotalSeconds:0.#} s and was stopped");
        }

        lock (stdout)
        {
            lock (stderr)
            {
                return new CommandResult(result.ExitCode!.Value, Text(stdout), Text(stderr));
            }
        }
    }

    /// <summary>The command line as a user would type it, for messages.</summary>
    public static string Describe(IEnumerable<string> arguments) =>
        string.Join(' ', arguments.Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"'{a}'" : a));

    private static string Text(List<string> lines) => lines.Count == 0 ? "" : string.Join('\n', lines) + "\n";
}
