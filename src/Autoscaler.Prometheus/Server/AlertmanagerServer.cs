using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Autoscaler.Core.Options;
using Autoscaler.Core.Time;

namespace Autoscaler.Prometheus.Server;

/// <summary>
/// A real Alertmanager run as a child process: writes its <c>alertmanager.yml</c> (the given one, pointed at the
/// scaler's webhook), starts it with clustering off, waits until it is ready, and on dispose stops it (SIGTERM,
/// then a kill after <see cref="AlertmanagerServerOptions.StopTimeout"/>).
/// </summary>
public sealed partial class AlertmanagerServer : IAsyncDisposable
{
    /// <summary>How to install Alertmanager on the systems the project supports.</summary>
    public const string InstallHint = "install it with `apt-get install prometheus-alertmanager` (Debian/Ubuntu) or `brew install alertmanager` (macOS)";

    private const int OutputLines = 400;
    private const int SigTerm = 15;
    private static readonly ConcurrentDictionary<int, Process> Live = new();
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;
    private readonly AlertmanagerServerOptions _options;
    private int _disposed;

    static AlertmanagerServer()
    {
        // A host that exits without disposing must not leave Alertmanager behind.
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

    private AlertmanagerServer(Process process, ConcurrentQueue<string> output, AlertmanagerServerOptions options, string configPath, Uri url)
    {
        _process = process;
        _output = output;
        _options = options;
        ConfigPath = configPath;
        Url = url;
    }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:9093/</c>.</summary>
    public Uri Url { get; }

    /// <summary><c>host:port</c>, as Prometheus's <c>alerting</c> section names it.</summary>
    public string Target => Url.Authority;

    /// <summary>The <c>alertmanager.yml</c> it runs with.</summary>
    public string ConfigPath { get; }

    /// <summary>Process id of the Alertmanager process.</summary>
    public int ProcessId => _process.Id;

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The last lines it logged, for diagnostics.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>
    /// The installed Alertmanager: <paramref name="given"/> when not null (a name or a path), else
    /// <c>prometheus-alertmanager</c> (Debian's name) or <c>alertmanager</c> on PATH; null when there is none.
    /// </summary>
    public static string? FindInstalled(string? given = null) =>
        given is not null ? Executables.Find(given) : Executables.Find("prometheus-alertmanager") ?? Executables.Find("alertmanager");

    /// <summary>Writes the configuration, starts Alertmanager and returns once <c>/-/ready</c> answers.</summary>
    /// <exception cref="ArgumentException">The options are invalid, or the configuration has no webhook to point at the scaler.</exception>
    /// <exception cref="FileNotFoundException">The binary is missing; the message says how to install it.</exception>
    /// <exception cref="InvalidOperationException">Alertmanager exited before it was ready; its output is in the message.</exception>
    /// <exception cref="TimeoutException">It was not ready within <see cref="AlertmanagerServerOptions.StartTimeout"/>.</exception>
    public static async Task<AlertmanagerServer> StartAsync(AlertmanagerServerOptions options, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        time ??= TimeProvider.System;
        var problems = OptionsCheck.Validate(options, "Alertmanager").ToList();
        if (options.ConfigFile.Length > 0 && !File.Exists(options.ConfigFile))
        {
            problems.Add($"Alertmanager:ConfigFile = {options.ConfigFile}: file not found");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid Alertmanager options: " + string.Join("; ", problems), nameof(options));
        }

        var binary = Executables.Find(options.BinaryPath)
            ?? throw new FileNotFoundException($"Alertmanager was not found ({options.BinaryPath}); {InstallHint}", options.BinaryPath);
        var workDirectory = Path.GetFullPath(options.WorkingDirectory);
        Directory.CreateDirectory(workDirectory);
        var configPath = Path.Combine(workDirectory, "alertmanager.yml");
        var template = await File.ReadAllTextAsync(options.ConfigFile, cancellationToken).ConfigureAwait(false);
        var config = "# Written by autoscaler at every start of its Alertmanager from " + options.ConfigFile + "; edits are lost.\n"
            + AlertmanagerConfig.Render(template, options.WebhookUrl, options.WebhookBearerToken);

        // A port picked here may be taken before Alertmanager binds it; then pick another.
        for (var attempt = 1; ; attempt++)
        {
            var port = options.Port == 0 ? FreePort(options.ListenAddress) : options.Port;
            var listen = FormatHostPort(options.ListenAddress, port);
            await File.WriteAllTextAsync(configPath, config, cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(options.WebhookBearerToken) && !OperatingSystem.IsWindows())
            {
                // The file holds a secret.
                File.SetUnixFileMode(configPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

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

    /// <summary>Stops Alertmanager: SIGTERM, then a kill when it has not exited after the stop timeout.</summary>
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

    private static AlertmanagerServer Launch(string binary, AlertmanagerServerOptions options, string workDirectory, string configPath, string listen)
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
        info.ArgumentList.Add($"--storage.path={Path.Combine(workDirectory, "data")}");
        info.ArgumentList.Add($"--web.listen-address={listen}");
        // One instance on one machine: no gossip port to bind (9094 by default), no peers to wait for.
        info.ArgumentList.Add("--cluster.listen-address=");
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
        return new AlertmanagerServer(process, output, options, configPath, new Uri($"http://{listen}/"));
    }

    private async Task WaitUntilReadyAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var ready = new Uri(Url, "-/ready");
        var started = time.GetTimestamp();
        var last = "";
        while (true)
        {
            if (_process.HasExited)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false); // let the last lines arrive
                throw new InvalidOperationException(
                    $"alertmanager exited with code {_process.ExitCode} before it was ready ({ConfigPath}); output:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(ready, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                last = e.Message;
            }

            if (time.GetElapsedTime(started) > _options.StartTimeout)
            {
                throw new TimeoutException(
                    $"alertmanager at {Url} was not ready within {Durations.Format(_options.StartTimeout)} (last answer: {last}); output:\n{Output}");
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

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
