using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Autoscaler.Core.Processes;
using Autoscaler.Core.Time;

namespace Autoscaler.Prometheus.Server;

/// <summary>
/// A server program (Prometheus, Alertmanager) run as a child process: its output kept for diagnostics,
/// started on a port (a free one retried when taken first), awaited until ready, and stopped with SIGTERM
/// then a kill. A host that exits without disposing does not leave it behind, nor (on Linux) one that is killed:
/// it is started through <see cref="ChildProcesses"/>, which has the kernel send it SIGTERM when its parent dies.
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private const int OutputLines = 400;
    private const int SigTerm = 15;
    private static readonly ConcurrentDictionary<int, Process> Live = new();
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    static ServerProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Live.Values)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            }
        };
    }

    private ServerProcess(string name, string binary, string workDirectory, IEnumerable<string> arguments)
    {
        Name = name;
        var info = new ProcessStartInfo(binary)
        {
            WorkingDirectory = workDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = ChildProcesses.DyingWithParent(info), EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.Exited += (_, _) => _exited.TrySetResult();
        ChildProcesses.Start(_process);
        Live[_process.Id] = _process;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Completes when the program exits, however it ends.</summary>
    public Task Exited => _exited.Task;

    /// <summary>The exit code once it has exited (128 + N, or -N, when a signal N ended it); null before, or once disposed.</summary>
    public int? ExitCode
    {
        get
        {
            try
            {
                return _process.HasExited ? _process.ExitCode : null;
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }
    }

    /// <summary>The last lines the program printed.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>
    /// Starts the program on <paramref name="port"/> (0: a free one, picked again up to three times when another
    /// process takes it first) and waits until <paramref name="ready"/> says so.
    /// </summary>
    /// <param name="port">Requested port; 0 for any free one.</param>
    /// <param name="address">Address to listen on.</param>
    /// <param name="launch">Given <c>host:port</c>, writes what the program needs and starts it.</param>
    /// <param name="ready">Given the started process and <c>host:port</c>, returns once the program is ready.</param>
    public static async Task<(ServerProcess Process, string Listen)> StartAsync(
        int port, string address, Func<string, Task<ServerProcess>> launch, Func<ServerProcess, string, Task> ready)
    {
        for (var attempt = 1; ; attempt++)
        {
            var listen = FormatHostPort(address, port == 0 ? FreePort(address) : port);
            var process = await launch(listen).ConfigureAwait(false);
            try
            {
                await ready(process, listen).ConfigureAwait(false);
                return (process, listen);
            }
            catch (InvalidOperationException) when (port == 0 && attempt < 3 && process.Output.Contains("address already in use", StringComparison.Ordinal))
            {
                await process.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await process.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    public static ServerProcess Launch(string name, string binary, string workDirectory, IEnumerable<string> arguments) =>
        new(name, binary, workDirectory, arguments);

    /// <summary>Polls <paramref name="probe"/> until it answers ready, the process exits, or <paramref name="timeout"/> passes.</summary>
    /// <param name="url">The server's address, for messages.</param>
    /// <param name="configPath">The configuration it runs with, for messages.</param>
    /// <param name="probe">One readiness check: ready, or why not.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="time">Clock for the waits.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task WaitUntilReadyAsync(
        Uri url, string configPath, Func<CancellationToken, Task<(bool Ready, string Detail)>> probe,
        TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            if (_process.HasExited)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false); // let the last lines arrive
                throw new InvalidOperationException(
                    $"{Name} exited with code {_process.ExitCode} before it was ready ({configPath}); output:\n{Output}");
            }

            var (isReady, detail) = await probe(cancellationToken).ConfigureAwait(false);
            if (isReady)
            {
                return;
            }

            if (time.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException(
                    $"{Name} at {url} was not ready within {Durations.Format(timeout)} (last answer: {detail}); output:\n{Output}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>SIGTERM, then a kill when the program has not exited after <paramref name="grace"/>.</summary>
    public async ValueTask StopAsync(TimeSpan grace)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                if (OperatingSystem.IsWindows() || Kill(_process.Id, SigTerm) != 0)
                {
                    _process.Kill(entireProcessTree: true);
                }

                using var timeout = new CancellationTokenSource(grace);
                try
                {
                    await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync().ConfigureAwait(false);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            Live.TryRemove(_process.Id, out _);
            _process.Dispose();
        }
    }

    public ValueTask DisposeAsync() => StopAsync(TimeSpan.FromSeconds(10));

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > OutputLines && _output.TryDequeue(out _))
        {
        }
    }

    private static int FreePort(string address)
    {
        var ip = IPAddress.TryParse(address, out var parsed) ? parsed : IPAddress.Loopback;
        using var listener = new TcpListener(ip, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FormatHostPort(string host, int port) =>
        (IPAddress.TryParse(host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{host}]" : host)
        + ":" + port.ToString(CultureInfo.InvariantCulture);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
