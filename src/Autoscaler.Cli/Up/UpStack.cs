using Autoscaler.Cli.Composition;
using Autoscaler.Core.Processes;
using Autoscaler.Core.Scaling;
using Autoscaler.Gateway;
using Autoscaler.Gateway.Admission;
using Autoscaler.Gateway.Destinations;
using Autoscaler.Gateway.Health;
using Autoscaler.Prometheus.Api;
using Autoscaler.Prometheus.Discovery;
using Autoscaler.Prometheus.Server;
using Autoscaler.Scaler;
using Autoscaler.Scaler.Fleet;
using Autoscaler.Targets.Local;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Up;

/// <summary>
/// The whole stack on one machine: Alertmanager (when installed), Prometheus, the gateway, local replicas and the scaler.
/// Started in that order and stopped in reverse; a failure part-way stops what had started. Prometheus and Alertmanager
/// are child processes kept running by a <see cref="ChildSupervisor{T}"/> and dying with <c>up</c> even when it is
/// killed (<see cref="ChildProcesses"/>); the replicas are the local target's, which replaces one that dies; the
/// gateway and the scaler run inside this process.
/// </summary>
internal sealed class UpStack : IAsyncDisposable
{
    private readonly UpSettings _settings;
    private readonly LogSink _log;
    private readonly ILoggerFactory _loggers;
    private readonly Stack<Func<ValueTask>> _teardown = new();
    private readonly List<Func<string?>> _supervisors = [];
    private ScalerLoop? _loop;

    public UpStack(UpSettings settings, LogSink log)
    {
        _settings = settings;
        _log = log;
        _loggers = LoggerFactory.Create(b => b.ClearProviders().AddProvider(log).SetMinimumLevel(LogLevel.Trace));
        Services = settings.ServicesDirectory is null ? null : new UpServices(settings, _loggers, Embed, () => Fleet!);
    }

    /// <summary>With <c>--services</c>: the demo services, one per file; null otherwise.</summary>
    public UpServices? Services { get; }

    /// <summary>With <c>--services</c>: the scaler's services; null otherwise.</summary>
    public ScalerFleet? Fleet { get; private set; }

    // up --services: the scaler follows the directory, and each service file it applies starts that service's gateway
    // and replicas (UpServices); no single gateway or replica set.
    private async Task StartFleetAsync(CancellationToken cancellationToken)
    {
        await WriteTokensAsync(cancellationToken);
        var scaler = ScalerBootstrap.BuildFollowing(
            _settings.Scaler, [_settings.ScalerUrl], _settings.ServicesDirectory!, ServicesDirectory.DefaultInterval,
            new TargetKinds(() => _settings.Local), Services!.StartAsync, Client, Embed);
        Fleet = scaler.Services.GetRequiredService<ScalerFleet>();
        await scaler.StartAsync(cancellationToken);
        _teardown.Push(() => StopAsync(scaler));
    }


    public Uri PrometheusUrl { get; private set; } = null!;

    /// <summary>The Alertmanager up started; null when it runs without one.</summary>
    public Uri? AlertmanagerUrl { get; private set; }

    public PrometheusClient Client { get; private set; } = null!;

    public LocalProcessTarget Target { get; private set; } = null!;

    public ScalerState ScalerState { get; private set; } = null!;

    public string ReplicasFile => Path.Combine(_settings.WorkDirectory, "replicas.json");

    /// <summary>Where a generated API token is kept for the session (owner-only), for scripts and playbooks.</summary>
    public string ApiTokenFile => Path.Combine(_settings.WorkDirectory, "api-token");

    /// <summary>Where a generated webhook token is kept for the session (owner-only), for posting alerts by hand.</summary>
    public string WebhookTokenFile => Path.Combine(_settings.WorkDirectory, "webhook-token");

    /// <summary>The playbook the loop runs under <c>--target ansible</c>, for the ready message.</summary>
    public string? LoopTargetDescription { get; private set; }

    /// <summary>Ports that must be free, checked before anything starts.</summary>
    public static IEnumerable<string> PortProblems(UpSettings s)
    {
        var wanted = new List<(int Port, string Who, string Flag)> { (s.ScalerPort, "scaler", "--port") };
        if (s.ServicesDirectory is null)
        {
            wanted.Add((s.GatewayPort, "gateway", "--gateway-port")); // with --services each service file names its gateway's port
        }
        if (s.ExistingPrometheus is null)
        {
            wanted.Add((s.PrometheusPort, "Prometheus", "--prometheus-port"));
        }

        if (s.StartsAlertmanager)
        {
            wanted.Add((s.AlertmanagerPort, "Alertmanager", "--alertmanager-port"));
        }

        foreach (var (port, who, flag) in wanted)
        {
            if (!LoopbackPorts.IsFree(port))
            {
                yield return $"port {port} ({who}) is already in use; stop what uses it or choose another with {flag}";
            }
        }

        foreach (var group in wanted.GroupBy(w => w.Port).Where(g => g.Count() > 1))
        {
            yield return $"port {group.Key} is given to {string.Join(" and ", group.Select(g => g.Who))}";
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_settings.WorkDirectory);
        var logs = Path.Combine(_settings.WorkDirectory, "logs");
        Directory.CreateDirectory(logs);
        var sd = new FileSdWriter(ReplicasFile);
        await sd.WriteAsync([], cancellationToken: cancellationToken);

        if (ChildProcesses.WhyNotDieWithParent is { } warning && (_settings.StartsAlertmanager || _settings.ExistingPrometheus is null))
        {
            _loggers.CreateLogger("Autoscaler.Up").LogWarning("{Warning}", warning);
        }

        // Alertmanager before Prometheus, which is told where to send alerts; it retries the scaler's webhook
        // until the scaler is up, so starting the scaler last loses nothing.
        var alertmanagers = new List<string>();
        if (_settings.AlertmanagerBinary is { } alertmanagerBinary)
        {
            var options = new AlertmanagerServerOptions
            {
                BinaryPath = alertmanagerBinary,
                ConfigFile = ShippedAlertmanagerConfig(),
                WorkingDirectory = Path.Combine(_settings.WorkDirectory, "alertmanager"),
                Port = _settings.AlertmanagerPort,
                WebhookUrl = new Uri($"{_settings.ScalerUrl}/api/v1/alerts"),
                WebhookBearerToken = _settings.Scaler.WebhookBearerToken,
            };
            var alertmanager = await AlertmanagerServer.StartAsync(options, TimeProvider.System, cancellationToken);
            options.Port = alertmanager.Port; // a restart must come back where Prometheus sends alerts
            Alertmanager = Supervise("Alertmanager", alertmanager, ct => AlertmanagerServer.StartAsync(options, TimeProvider.System, ct));
            AlertmanagerUrl = alertmanager.Url;
            alertmanagers.Add(alertmanager.Target);
        }

        // Prometheus next: the scaler has nothing to read without it.
        if (_settings.ExistingPrometheus is { } existing)
        {
            PrometheusUrl = existing;
        }
        else
        {
            var options = new PrometheusServerOptions
            {
                BinaryPath = _settings.PrometheusBinary ?? "prometheus",
                WorkingDirectory = Path.Combine(_settings.WorkDirectory, "prometheus"),
                Port = _settings.PrometheusPort,
                ScrapeInterval = _settings.ScrapeInterval,
                EvaluationInterval = _settings.EvaluationInterval,
                WebAppTargetsFile = ReplicasFile,
                StaticJobs = new(StringComparer.Ordinal)
                {
                    ["gateway"] = [$"127.0.0.1:{_settings.GatewayPort}"],
                    ["scaler"] = [$"127.0.0.1:{_settings.ScalerPort}"],
                },
                RuleFiles = [.. _settings.AlertRules ?? ShippedRuleFiles()],
                AlertmanagerTargets = alertmanagers,
            };
            if (Services is { } services)
            {
                // Every service's replicas and gateway, each file labelled with its service.
                options.WebAppTargetsFile = services.ReplicaFiles;
                options.StaticJobs.Remove("gateway");
                options.FileJobs["gateway"] = services.GatewayFiles;
            }

            var server = await PrometheusServer.StartAsync(options, TimeProvider.System, cancellationToken);
            options.Port = server.Port; // a restart must come back where the scaler queries it
            Prometheus = Supervise("Prometheus", server, ct => PrometheusServer.StartAsync(options, TimeProvider.System, ct));
            PrometheusUrl = server.Url;
        }

        _settings.Prometheus.Url = PrometheusUrl.ToString();
        Client = new PrometheusClient(_settings.Prometheus);
        _teardown.Push(() =>
        {
            Client.Dispose();
            return ValueTask.CompletedTask;
        });

        if (Services is not null)
        {
            await StartFleetAsync(cancellationToken);
            return;
        }

        var gateway = GatewayHost.Build(_settings.Gateway, [_settings.GatewayUrl], Embed);
        await gateway.StartAsync(cancellationToken);
        _teardown.Push(() => StopAsync(gateway));
        var destinations = gateway.Services.GetRequiredService<IGatewayDestinations>();

        _settings.Local.LogDirectory ??= logs;
        Target = new LocalProcessTarget(
            _settings.Local,
            LocalProcessTarget.SelfCommand(),
            [new FileSdListener(sd), new GatewayListener(destinations)],
            TimeProvider.System,
            _loggers.CreateLogger<LocalProcessTarget>());
        _teardown.Push(Target.DisposeAsync);
        // A replica the gateway's probes find unready gets a stand-in at once, and is killed if it does not recover.
        var target = Target;
        gateway.Services.GetRequiredService<IGatewayHealth>().ProbeHealthChanged += (_, e) => target.ReadinessChanged(e.Destination, e.Ready, e.Reason);
        var first = await Target.ScaleAsync(Math.Max(1, _settings.Policy.MinReplicas), cancellationToken);
        if (!first.Succeeded)
        {
            throw new InvalidOperationException($"the first replica did not start: {first.Message} (see {logs})");
        }

        await WriteTokensAsync(cancellationToken);

        var ansible = _settings.LoopTarget?.Invoke(Target, _loggers);
        if (ansible is not null)
        {
            LoopTargetDescription = ansible.Describe();
            _teardown.Push(() =>
            {
                ansible.Dispose();
                return ValueTask.CompletedTask;
            });
        }

        // The loop scales through the playbook when there is one; PUT /api/v1/replicas always sets the local replicas themselves.
        var loopTarget = new ScalerTarget((IScaleTarget?)ansible ?? Target, Target, "up", () => ValueTask.CompletedTask);
        var setup = ScalerBootstrap.Setup(ScalerTelemetry.DefaultService, _settings.Policy, loopTarget, Client, _settings.Scaler, _loggers.CreateLogger("Autoscaler.Up"));
        var scaler = ScalerBootstrap.Build(_settings.Scaler, [_settings.ScalerUrl], [setup], Embed, client: Client);
        await scaler.StartAsync(cancellationToken);
        _teardown.Push(() => StopAsync(scaler));

        // Requests the gateway turns away ask for an evaluation now, at most one per scrape (sooner reads the same data).
        var overload = new OverloadTrigger(
            scaler.Services.GetRequiredService<ScalerLoop>(), _settings.ScrapeInterval, TimeProvider.System, _loggers.CreateLogger<OverloadTrigger>());
        await overload.StartAsync(cancellationToken);
        gateway.Services.GetRequiredService<IGatewayOverload>().Rejected += (_, _) => overload.Request();
        _teardown.Push(async () =>
        {
            await overload.StopAsync(CancellationToken.None);
            overload.Dispose();
        });
        ScalerState = scaler.Services.GetRequiredService<ScalerState>();
        _loop = scaler.Services.GetRequiredService<ScalerLoop>();
    }

    /// <summary>
    /// Why the stack is not ready now: a child exited and is being started again, or the scaler's last evaluation could
    /// not reach Prometheus (however it got so: paused, overloaded, or one given with --prometheus-url that is down);
    /// null when it is ready.
    /// </summary>
    public string? NotReady =>
        _supervisors.Select(s => s()).FirstOrDefault(p => p is not null)
        ?? (_loop?.Unreachable is { } why ? $"the scaler cannot reach Prometheus ({why})" : null)
        ?? (Fleet?.Services.FirstOrDefault(s => s.Loop.Unreachable is not null) is { } cut ? $"the scaler cannot reach Prometheus for {cut.Name} ({cut.Loop.Unreachable})" : null);

    /// <summary>The Prometheus that up started and keeps running; null with --prometheus-url.</summary>
    public ChildSupervisor<PrometheusServer>? Prometheus { get; private set; }

    /// <summary>The Alertmanager that up started and keeps running; null without one.</summary>
    public ChildSupervisor<AlertmanagerServer>? Alertmanager { get; private set; }

    private ChildSupervisor<T> Supervise<T>(string what, T first, Func<CancellationToken, Task<T>> restart)
        where T : ChildServer
    {
        var supervisor = new ChildSupervisor<T>(what, first, restart, TimeProvider.System, _loggers.CreateLogger("Autoscaler.Up"));
        _teardown.Push(supervisor.DisposeAsync);
        _supervisors.Add(() => supervisor.Problem);
        return supervisor;
    }

    private async Task WriteTokensAsync(CancellationToken cancellationToken)
    {
        if (_settings.ApiTokenGenerated && _settings.Scaler.ApiToken is { } token)
        {
            await WriteSecretAsync(ApiTokenFile, token, cancellationToken);
        }

        if (_settings.WebhookTokenGenerated && _settings.Scaler.WebhookBearerToken is { } webhookToken)
        {
            await WriteSecretAsync(WebhookTokenFile, webhookToken, cancellationToken);
        }
    }

    // A session's secret: owner-only before it goes in, deleted at stop.
    private async Task WriteSecretAsync(string path, string secret, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(path, "", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await File.WriteAllTextAsync(path, secret + "\n", cancellationToken);
        _teardown.Push(() =>
        {
            File.Delete(path);
            return ValueTask.CompletedTask;
        });
    }

    public async ValueTask DisposeAsync()
    {
        while (_teardown.TryPop(out var step))
        {
            try
            {
                await step();
            }
            catch (Exception e)
            {
                _loggers.CreateLogger("Autoscaler.Up").LogWarning("While stopping: {Message}", e.Message);
            }
        }

        _loggers.Dispose();
    }

    private static async ValueTask StopAsync(WebApplication app)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
    }

    private void Embed(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(_log);
        builder.Logging.SetMinimumLevel(LogLevel.Trace); // the sink filters by --log-level
    }

    private static IEnumerable<string> ShippedRuleFiles()
    {
        var rules = Path.Combine(AppContext.BaseDirectory, "deploy", "prometheus", "alert_rules.yml");
        return File.Exists(rules) ? [rules] : [];
    }

    public static string ShippedAlertmanagerConfig() => Path.Combine(AppContext.BaseDirectory, "deploy", "alertmanager", "alertmanager.yml");

    internal sealed class GatewayListener(IGatewayDestinations destinations) : IReplicaSetListener
    {
        public Task ReplicasChangedAsync(IReadOnlyList<Uri> ready, CancellationToken cancellationToken)
        {
            destinations.Set(ready);
            return Task.CompletedTask;
        }
    }
}
