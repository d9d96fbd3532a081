using System.Diagnostics;

namespace Autoscaler.Testing;

/// <summary>Runs a real program (promtool, amtool, ansible-playbook, docker-compose, sh) to completion and keeps what it printed.</summary>
public static class Tool
{
    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="args"/>, standard input closed; returns its exit code and its
    /// standard output followed by its standard error. After <paramref name="timeout"/> (60 s by default) it kills the
    /// whole process tree and throws <see cref="TimeoutException"/>, whose message includes what it had printed.
    /// </summary>
    /// <param name="file">The program.</param>
    /// <param name="args">Its arguments, each passed as is.</param>
    /// <param name="environment">Variables to set, or to remove where the value is null.</param>
    /// <param name="workingDirectory">Where it runs; the current directory when null.</param>
    /// <param name="timeout">How long it may take.</param>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string file,
        IEnumerable<string> args,
        IDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        var limit = timeout ?? TimeSpan.FromSeconds(60);
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException(
                $"{file} {string.Join(' ', info.ArgumentList)} did not finish within {limit.TotalSeconds:0} s; output:\n{(await stdout) + (await stderr)}");
        }

        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
