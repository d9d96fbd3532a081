using System.Diagnostics;
using System.Text;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Containers;

/// <summary>
/// tests/containers/run.sh, which prepares podman, the images and the Compose stack (see the script's header), and
/// the podman command line for what the test checks on its own.
/// </summary>
internal static class ContainerHarness
{
    /// <summary>The Compose project the harness starts; not the shipped name, so a user's own stack is never touched.</summary>
    public const string Project = "autoscaler-ci";

    /// <summary>run.sh's exit code when the engine cannot be prepared on this machine; it prints why.</summary>
    public const int Unavailable = 3;

    public static string Script => RepositoryRoot.File("tests/containers/run.sh");

    /// <summary>Runs <c>run.sh ARGS</c> to completion (killing it and its children after <paramref name="timeout"/>).</summary>
    public static Task<(int ExitCode, string Output)> RunShAsync(TimeSpan timeout, params string[] args) =>
        RunAsync("bash", [Script, .. args], timeout);

    public static Task<(int ExitCode, string Output)> PodmanAsync(params string[] args) =>
        RunAsync("podman", args, TimeSpan.FromMinutes(1));

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["AUTOSCALER_CONTAINERS_PROJECT"] = Project;
        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout.TotalMinutes} min; output:\n{Text(output)}");
        }

        return (process.ExitCode, Text(output));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
