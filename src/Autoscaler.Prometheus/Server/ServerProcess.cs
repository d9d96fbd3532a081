using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Autoscaler.Core.Processes;
using Autoscaler.Core.Time;

namespace Autoscaler.Prometheus.Server;

/// <summary>
/// A server program (Prometheus, Alertmanager) run as a <see cref="ChildProcess"/>: started on a port (a free one
/// retried when taken first) and awaited until ready. The child keeps its last lines for diagnostics, is stopped with
/// SIGTERM then a kill, and dies with its parent: one left running when the host exits is killed, and on Linux the
/// kernel sends it SIGTERM when the host is killed.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private const int OutputLines = 400;
    private readonly ChildProcess _process;

    private ServerProcess(string name, string binary, string workDirectory, IEnumerable<string> arguments) =>
        _process = ChildProcess.Start(new ChildProcessOptions
        {
            Name = name,
            Executable = binary,
            Arguments = [.. arguments],
            WorkingDirectory = workDirectory,
            OutputLines = OutputLines,
        });

    public string Name => _process.Name;

    public int Id => _process.ProcessId;

    public bool HasExited => _process.HasExited;

    /// <summary>Completes when the program exits, however it ends.</summary>
    public Task Exited => _process.Exited;

    /// <summary>The exit code once it has exited (128 + N when a signal N ended it); null before.</summary>
    public int? ExitCode => _process.ExitCode;

    /// <summary>The last lines the program printed.</summary>
    public string Output => _process.Output;

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
                await _process.Exited.WaitAsync(cancellationToken).ConfigureAwait(false); // its last lines have arrived
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
    public async ValueTask StopAsync(TimeSpan grace) => await _process.StopAsync(grace).ConfigureAwait(false);

    public ValueTask DisposeAsync() => StopAsync(TimeSpan.FromSeconds(10));

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
}
