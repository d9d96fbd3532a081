using Autoscaler.Core.Options;
using Autoscaler.Core.Processes;

namespace Autoscaler.Prometheus.Server;

/// <summary>
/// A real Alertmanager run as a child process: writes its <c>alertmanager.yml</c> (the given one, pointed at the
/// scaler's webhook), starts it with clustering off, waits until it is ready, and on dispose stops it (SIGTERM,
/// then a kill after <see cref="AlertmanagerServerOptions.StopTimeout"/>).
/// </summary>
public sealed class AlertmanagerServer : ChildServer
{
    /// <summary>How to install Alertmanager on the systems the project supports.</summary>
    public const string InstallHint = "install it with `apt-get install prometheus-alertmanager` (Debian/Ubuntu) or `brew install alertmanager` (macOS)";

    private AlertmanagerServer(ChildProcess server, AlertmanagerServerOptions options, string configPath, Uri url)
        : base(server, options.StopTimeout, configPath, url)
    {
    }

    /// <summary><c>host:port</c>, as Prometheus's <c>alerting</c> section names it.</summary>
    public string Target => Url.Authority;

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

        var (server, listen) = await ServerProcess.StartAsync(
            options.Port,
            options.ListenAddress,
            async listen =>
            {
                await File.WriteAllTextAsync(configPath, config, cancellationToken).ConfigureAwait(false);
                if (!string.IsNullOrEmpty(options.WebhookBearerToken) && !OperatingSystem.IsWindows())
                {
                    // The file holds a secret.
                    File.SetUnixFileMode(configPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                return ServerProcess.Launch("alertmanager", binary, workDirectory,
                [
                    $"--config.file={configPath}",
                    $"--storage.path={Path.Combine(workDirectory, "data")}",
                    $"--web.listen-address={listen}",

                    // One instance on one machine: no gossip port to bind (9094 by default), no peers to wait for.
                    "--cluster.listen-address=",
                    .. options.ExtraArguments,
                ]);
            },
            async (process, listen) =>
            {
                var url = new Uri($"http://{listen}/");
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
                await process.WaitUntilReadyAsync(url, configPath, async ct =>
                {
                    try
                    {
                        using var response = await http.GetAsync(new Uri(url, "-/ready"), ct).ConfigureAwait(false);
                        return (response.IsSuccessStatusCode, $"HTTP {(int)response.StatusCode}");
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                    {
                        return (false, e.Message);
                    }
                }, options.StartTimeout, time, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return new AlertmanagerServer(server, options, configPath, new Uri($"http://{listen}/"));
    }
}
