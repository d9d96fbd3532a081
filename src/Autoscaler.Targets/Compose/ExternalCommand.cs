using System.ComponentModel;
using System.Diagnostics;

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
        var info = new ProcessStartInfo(arguments[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new ExternalCommandException($"cannot run {arguments[0]}: {e.Message}");
        }

        process.StandardInput.Close();
        using var limit = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, cancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new ExternalCommandException($"`{Describe(arguments)}` did not finish within {timeout.TotalSeconds:0.#} s and was stopped");
        }

        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The command line as a user would type it, for messages.</summary>
    public static string Describe(IEnumerable<string> arguments) =>
        string.Join(' ', arguments.Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"'{a}'" : a));
}
