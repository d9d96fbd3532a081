using Autoscaler.Core.Options;
using Autoscaler.Core.Processes;
using Autoscaler.Prometheus.Api;

namespace Autoscaler.Prometheus.Server;

/// <summary>
/// A real Prometheus server run as a child process: writes its <c>prometheus.yml</c>, starts the binary, waits
/// until it is ready, and on dispose stops it (SIGTERM, then a kill after <see cref="PrometheusServerOptions.StopTimeout"/>).
/// </summary>
public sealed class PrometheusServer : ChildServer
{
    private PrometheusServer(ChildProcess server, PrometheusServerOptions options, string configPath, Uri url)
        : base(server, options.StopTimeout, configPath, url)
    {
    }

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

        var configPath = Path.Combine(workDirectory, "prometheus.yml");
        var (server, listen) = await ServerProcess.StartAsync(
            options.Port,
            options.ListenAddress,
            async listen =>
            {
                await File.WriteAllTextAsync(configPath, PrometheusConfig.Render(options, listen, ruleFiles), cancellationToken).ConfigureAwait(false);
                return ServerProcess.Launch("prometheus", binary, workDirectory,
                [
                    $"--config.file={configPath}",
                    $"--storage.tsdb.path={Path.Combine(workDirectory, "data")}",
                    $"--storage.tsdb.retention.time={PrometheusConfig.Duration(options.Retention)}",
                    $"--web.listen-address={listen}",

                    // No --web.enable-lifecycle: it would let any local user stop Prometheus with POST /-/quit.
                    .. options.ExtraArguments,
                ]);
            },
            async (process, listen) =>
            {
                var url = new Uri($"http://{listen}/");
                using var client = new PrometheusClient(new PrometheusClientOptions { Url = url.ToString(), Timeout = TimeSpan.FromSeconds(2) }, time);
                await process.WaitUntilReadyAsync(url, configPath, async ct =>
                {
                    var ready = await client.IsReadyAsync(ct).ConfigureAwait(false);
                    return (ready is { Succeeded: true, Value: true }, ready.Error?.Message ?? "not ready yet");
                }, options.StartTimeout, time, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return new PrometheusServer(server, options, configPath, new Uri($"http://{listen}/"));
    }

    /// <summary>A client for this server's API.</summary>
    public PrometheusClient CreateClient(TimeSpan? timeout = null, TimeProvider? time = null) =>
        new(new PrometheusClientOptions { Url = Url.ToString(), Timeout = timeout ?? TimeSpan.FromSeconds(10) }, time);

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
}
