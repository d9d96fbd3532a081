using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Autoscaler.Core.Options;
using Autoscaler.Core.Time;
using Autoscaler.Prometheus.Api;

namespace Autoscaler.Prometheus.Server;

/// <summary>
/// A real Prometheus server run as a child process: writes its <c>prometheus.yml</c>, starts the binary, waits
/// until it is ready, and on dispose stops it (SIGTERM, then a kill after <see cref="PrometheusServerOptions.StopTimeout"/>).
/// </summary>
public sealed partial class PrometheusServer : IAsyncDisposable
{
    private const int OutputLines = 400;
    private const int SigTerm = 15;
    private static readonly ConcurrentDictionary<int, Process> Live = new();
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;
    private readonly PrometheusServerOptions _options;
    private int _disposed;

    static PrometheusServer()
    {
        // A host that exits without disposing must not leave Prometheus behind.
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

    private PrometheusServer(Process process, ConcurrentQueue<string> output, PrometheusServerOptions options, string configPath, Uri url)
    {
        _process = process;
        _output = output;
        _options = options;
        ConfigPath = configPath;
        Url = url;
    }

    /// <summary>Base URL of the server's HTTP API, e.g. <c>http://127.0.0.1:9090/</c>.</summary>
    public Uri Url { get; }

    /// <summary>The port it listens on (the one chosen when 0 was asked for).</summary>
    public int Port => Url.Port;

    /// <summary>The <c>prometheus.yml</c> it runs with.</summary>
    public string ConfigPath { get; }

    /// <summary>Process id of the <c>prometheus</c> process.</summary>
    public int ProcessId => _process.Id;

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The last lines Prometheus logged, for diagnostics.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>The full path of the <c>prometheus</c> binary, or an exception that says how to install it.</summary>
    /// <exception cref="PrometheusNotInstalledException">The binary is not there.</exception>
    public static string FindBinary(string binaryPath = "prometheus") =>
        Executables.Find(binaryPath)
        ?? throw new PrometheusNotInstalledException(
            binaryPath.Contains('/', StringComparison.Ordinal)
                ? $"prometheus was not found at {binaryPath}; {PrometheusNotInstalledException.InstallHint}"
                : $"prometheus was not found on PATH ({binaryPath}); {PrometheusNotInstalledException.InstallHint}");

    /// <summary>Writes the configuration, starts Prometheus and returns once <c>/-/ready</c> answers.</summary>
    /// <exception cref="ArgumentException">The options are invalid; every problem is named.</exception>
    /// <exception cref="PrometheusNotInstalledException">The binary is missing.</exception>
    /// <exception cref="InvalidOperationException">Prometheus exited before it was ready; its output is in the message.</exception>
    /// <exception cref="TimeoutException">Prometheus was not ready within <see cref="PrometheusServerOptions.StartTimeout"/>.</exception>
    public static async Task<PrometheusServer> StartAsync(PrometheusServerOptions options, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        time ??= TimeProvider.System;
        var problems = OptionsCheck.Validate(options, "Prometheus:Server").Concat(PrometheusConfig.Check(options).Select(p => "Prometheus:Server:" + p)).ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid Prometheus server options: " + string.Join("; ", problems), nameof(options));
        }

        var binary = FindBinary(options.BinaryPath);
        var workDirectory = Path.GetFullPath(options.WorkingDirectory);
        Directory.CreateDirectory(workDirectory);
        var ruleFiles = CopyRuleFiles(options.RuleFiles, Path.Combine(workDirectory, "rules"));

        // A port picked here may be taken before Prometheus binds it; then pick another.
        for (var attempt = 1; ; attempt++)
        {
            var port = options.Port == 0 ? FreePort(options.ListenAddress) : options.Port;
            var listen = FormatHostPort(options.ListenAddress, port);
            var configPath = Path.Combine(workDirectory, "prometheus.yml");
            await File.WriteAllTextAsync(configPath, PrometheusConfig.Render(options, listen, ruleFiles), cancellationToken).ConfigureAwait(false);

            var server = Launch(binary, options, workDirectory, configPath, listen);
            try
            {
                await server.WaitUntilReadyAsync(time, cancellationToken).ConfigureAwait(false);
                return server;
            }
            catch (InvalidOperationException) when (options.Port == 0 && attempt < 3 && server.Output.Contains("address already in use", StringComparison.Ordinal))
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>A client for this server's API.</summary>
    public PrometheusClient CreateClient(TimeSpan? timeout = null, TimeProvider? time = null) =>
        new(new PrometheusClientOptions { Url = Url.ToString(), Timeout = timeout ?? TimeSpan.FromSeconds(10) }, time);

    /// <summary>Stops Prometheus: SIGTERM, then a kill when it has not exited after the stop timeout.</summary>
    public async ValueTask DisposeAsync()
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

                using var grace = new CancellationTokenSource(_options.StopTimeout);
                try
                {
                    await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
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

    private static PrometheusServer Launch(string binary, PrometheusServerOptions options, string workDirectory, string configPath, string listen)
    {
        var info = new ProcessStartInfo(binary)
        {
            WorkingDirectory = workDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add($"--config.file={configPath}");
        info.ArgumentList.Add($"--storage.tsdb.path={Path.Combine(workDirectory, "data")}");
        info.ArgumentList.Add($"--storage.tsdb.retention.time={PrometheusConfig.Duration(options.Retention)}");
        info.ArgumentList.Add($"--web.listen-address={listen}");
        info.ArgumentList.Add("--web.enable-lifecycle");
        foreach (var argument in options.ExtraArguments)
        {
            info.ArgumentList.Add(argument);
        }

        var output = new ConcurrentQueue<string>();
        void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            output.Enqueue(line);
            while (output.Count > OutputLines && output.TryDequeue(out _))
            {
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.Start();
        Live[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new PrometheusServer(process, output, options, configPath, new Uri($"http://{listen}/"));
    }

    private async Task WaitUntilReadyAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        using var client = CreateClient(TimeSpan.FromSeconds(2), time);
        var started = time.GetTimestamp();
        var last = "";
        while (true)
        {
            if (_process.HasExited)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false); // let the last lines arrive
                throw new InvalidOperationException(
                    $"prometheus exited with code {_process.ExitCode} before it was ready ({ConfigPath}); output:\n{Output}");
            }

            var ready = await client.IsReadyAsync(cancellationToken).ConfigureAwait(false);
            if (ready is { Succeeded: true, Value: true })
            {
                return;
            }

            last = ready.Error?.Message ?? "not ready yet";
            if (time.GetElapsedTime(started) > _options.StartTimeout)
            {
                throw new TimeoutException(
                    $"prometheus at {Url} was not ready within {Durations.Format(_options.StartTimeout)} (last answer: {last}); output:\n{Output}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static List<string> CopyRuleFiles(IEnumerable<string> ruleFiles, string directory)
    {
        var copies = new List<string>();
        foreach (var source in ruleFiles)
        {
            Directory.CreateDirectory(directory);
            var name = Path.GetFileName(source);
            var target = Path.Combine(directory, name);
            for (var n = 2; copies.Contains(target); n++)
            {
                target = Path.Combine(directory, $"{Path.GetFileNameWithoutExtension(name)}-{n}{Path.GetExtension(name)}");
            }

            File.Copy(source, target, overwrite: true);
            copies.Add(target);
        }

        return copies;
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
