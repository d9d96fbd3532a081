using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Autoscaler.Core.Processes;
using Autoscaler.Core.Time;

namespace Autoscaler.Prometheus.Server;

/// <summary>
/// What starting a server program (Prometheus, Alertmanager) adds to a <see cref="ChildProcess"/>: a port (a free one
/// retried when taken first) and a wait until it is ready. The child keeps its last lines for diagnostics, is stopped
/// with SIGTERM then a kill, and dies with its parent: one left running when the host exits is killed, and on Linux
/// the kernel sends it SIGTERM when the host is killed.
/// </summary>
internal static class ServerProcess
{
    private const int OutputLines = 400;

    /// <summary>
    /// Starts the program on <paramref name="port"/> (0: a free one, picked again up to three times when another
    /// process takes it first) and waits until <paramref name="ready"/> says so.
    /// </summary>
    /// <param name="port">Requested port; 0 for any free one.</param>
    /// <param name="address">Address to listen on.</param>
    /// <param name="launch">Given <c>host:port</c>, writes what the program needs and starts it.</param>
    /// <param name="ready">Given the started process and <c>host:port</c>, returns once the program is ready.</param>
    public static async Task<(ChildProcess Process, string Listen)> StartAsync(
        int port, string address, Func<string, Task<ChildProcess>> launch, Func<ChildProcess, string, Task> ready)
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

    /// <summary>Starts <paramref name="binary"/> as a child that dies with its parent.</summary>
    public static ChildProcess Launch(string name, string binary, string workDirectory, IEnumerable<string> arguments) =>
        ChildProcess.Start(new ChildProcessOptions
        {
            Name = name,
            Executable = binary,
            Arguments = [.. arguments],
            WorkingDirectory = workDirectory,
            OutputLines = OutputLines,
        });

    /// <summary>Polls <paramref name="probe"/> until it answers ready, the process exits, or <paramref name="timeout"/> passes.</summary>
    /// <param name="process">The started server.</param>
    /// <param name="url">The server's address, for messages.</param>
    /// <param name="configPath">The configuration it runs with, for messages.</param>
    /// <param name="probe">One readiness check: ready, or why not.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="time">Clock for the waits.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public static async Task WaitUntilReadyAsync(
        this ChildProcess process, Uri url, string configPath, Func<CancellationToken, Task<(bool Ready, string Detail)>> probe,
        TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            if (process.HasExited)
            {
                await process.Exited.WaitAsync(cancellationToken).ConfigureAwait(false); // its last lines have arrived
                throw new InvalidOperationException(
                    $"{process.Name} exited with code {process.ExitCode} before it was ready ({configPath}); output:\n{process.Output}");
            }

            var (isReady, detail) = await probe(cancellationToken).ConfigureAwait(false);
            if (isReady)
            {
                return;
            }

            if (time.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException(
                    $"{process.Name} at {url} was not ready within {Durations.Format(timeout)} (last answer: {detail}); output:\n{process.Output}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
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
}
