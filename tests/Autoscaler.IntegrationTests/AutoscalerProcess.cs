using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Autoscaler.IntegrationTests;

/// <summary>
/// A real <c>autoscaler VERB …</c> child process. Its output is kept for assertions and failure
/// messages; it is killed when disposed, and at the latest when the test process exits.
/// </summary>
public sealed partial class AutoscalerProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Live = new();
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    static AutoscalerProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var p in Live.Values)
            {
                try
                {
                    p.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            }
        };
    }

    private AutoscalerProcess(Process process) => _process = process;

    /// <summary>Path of the built <c>autoscaler.dll</c> next to the tests.</summary>
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "autoscaler.dll");

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process printed so far, stdout and stderr interleaved.</summary>
    public string Output => string.Join('\n', _lines);

    /// <summary>What the process printed on stdout alone (e.g. a document it writes there).</summary>
    public string StandardOutput => string.Join('\n', _stdout);

    public static AutoscalerProcess Start(params string[] args) => Start(args, null);

    public static AutoscalerProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(DllPath);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var result = new AutoscalerProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                result._stdout.Enqueue(e.Data);
            }

            result.Add(e.Data);
        };
        process.ErrorDataReceived += (_, e) => result.Add(e.Data);
        process.Start();
        Live[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Starts a replica on a free port and waits until it says where it listens.</summary>
    public static async Task<(AutoscalerProcess Process, Uri Url)> StartWebAppAsync(params string[] extraArgs)
    {
        var process = Start(["webapp", "--port", "0", .. extraArgs]);
        var line = await process.WaitForLineAsync(ListeningPattern(), TimeSpan.FromSeconds(30));
        return (process, new Uri(ListeningPattern().Match(line).Groups[1].Value));
    }

    [GeneratedRegex(@"listening on (http://\S+)")]
    public static partial Regex ListeningPattern();

    /// <summary>Waits for a line of output that matches; fails with the output so far if none comes.</summary>
    public async Task<string> WaitForLineAsync(Regex pattern, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var seen = 0;
        while (true)
        {
            var lines = _lines.ToArray();
            for (; seen < lines.Length; seen++)
            {
                if (pattern.IsMatch(lines[seen]))
                {
                    return lines[seen];
                }
            }

            if (_process.HasExited && seen >= _lines.Count)
            {
                await Task.Delay(100); // let the last output arrive
                if (seen >= _lines.Count)
                {
                    throw new InvalidOperationException($"process exited with {_process.ExitCode} before printing /{pattern}/; output:\n{Output}");
                }
            }

            try
            {
                await _lineArrived.WaitAsync(TimeSpan.FromMilliseconds(200), cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no line matching /{pattern}/ within {timeout}; output:\n{Output}");
            }
        }
    }

    /// <summary>Writes <paramref name="text"/> to the process's standard input and closes it (for verbs that read <c>-</c>).</summary>
    public async Task WriteStandardInputAsync(string text)
    {
        await _process.StandardInput.WriteAsync(text);
        _process.StandardInput.Close();
    }

    /// <summary>Sends a POSIX signal (SIGTERM = 15, SIGKILL = 9, SIGINT = 2).</summary>
    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"process {_process.Id} did not exit within {timeout}; output:\n{Output}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        Live.TryRemove(_process.Id, out _);
        _process.Dispose();
        _lineArrived.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        _lineArrived.Release();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
