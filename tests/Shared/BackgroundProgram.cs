using System.Collections.Concurrent;
using System.Diagnostics;

namespace Autoscaler.Testing;

/// <summary>
/// A real program (a Prometheus with a configuration of the test's own) running in the background while a test talks to
/// it; what it prints is kept for failure messages, and disposing kills it with everything it started.
/// </summary>
public sealed class BackgroundProgram : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private BackgroundProgram(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info)!;
        _process.ErrorDataReceived += (_, e) => _output.Enqueue(e.Data ?? "");
        _process.OutputDataReceived += (_, e) => _output.Enqueue(e.Data ?? "");
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Everything it printed so far, standard output and error interleaved.</summary>
    public string Output => string.Join('\n', _output);

    public static BackgroundProgram Start(string file, params string[] args) => new(file, args);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
    }
}
