using System.CommandLine;
using System.Runtime.InteropServices;
using Autoscaler.Cli.Composition;
using Autoscaler.Cli.Logging;
using Autoscaler.Cli.Up;
using Autoscaler.Prometheus.Server;
using Autoscaler.Scaler;

namespace Autoscaler.Cli.Commands;

/// <summary><c>autoscaler up</c>: the whole stack on one machine, no Docker needed.</summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var workDir = new Option<string>("--work-dir") { Description = "Where the Prometheus config and data, the replica list and the logs go", DefaultValueFactory = _ => ".autoscaler/up" };
        var prometheusBin = new Option<string?>("--prometheus-bin") { Description = "The prometheus executable [default: prometheus on PATH]" };
        var prometheusUrl = new Option<string?>("--prometheus-url") { Description = "Use this Prometheus instead of starting one (it must scrape the replicas listed in WORK_DIR/replicas.json)" };
        var prometheusPort = new Option<int>("--prometheus-port") { Description = "Port for the Prometheus that up starts", DefaultValueFactory = _ => 9090 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Port of the gateway, the service's public address", DefaultValueFactory = _ => 8000 };
        var port = new Option<int>("--port") { Description = "Port of the scaler's API and telemetry", DefaultValueFactory = _ => 8080 };
        var scrape = VerbOptions.Duration("--scrape-interval", "How often Prometheus scrapes [default: 5s]");
        var evaluation = VerbOptions.Duration("--evaluation-interval", "How often Prometheus evaluates alert rules [default: 5s]");
        var alertmanagerBin = new Option<string?>("--alertmanager-bin") { Description = "The Alertmanager executable [default: prometheus-alertmanager or alertmanager on PATH, when installed]" };
        var alertmanagerPort = new Option<int>("--alertmanager-port") { Description = "Port for the Alertmanager that up starts", DefaultValueFactory = _ => 9093 };
        var noAlertmanager = new Option<bool>("--no-alertmanager") { Description = "Do not start Alertmanager even when it is installed (alerts then trigger no evaluations)" };
        var alertRules = new Option<string[]>("--alert-rules")
        {
            Description = "A Prometheus rule file to load instead of the shipped deploy/prometheus/alert_rules.yml, repeatable",
            AllowMultipleArgumentsPerToken = false,
        };
        var services = new Option<string?>("--services")
        {
            Description = "A directory of service files (see deploy/services/): one demo service each, with its own replicas and its own gateway (the file's gateway.port), scaled independently by one scaler that follows the directory",
        };
        var noStatus = new Option<bool>("--no-status") { Description = "Print log lines instead of the live status view (the default when output is not a terminal)" };
        var flags = new ScalerFlags { PolicyConnection = false }; // up queries the Prometheus it starts
        var target = TargetFlag.Create("How the scaler sets the count: local (directly), or ansible (runs deploy/ansible/playbook-scale-local.yml, which sets it through the scaler's API)");
        var ansible = new AnsibleTargetFactory(forUp: true);
        var command = new Command("up", """
            Start the whole stack on this machine: a real Prometheus (scraping every replica through
            file_sd, with the shipped alert rules), Alertmanager on :9093 when installed (sending every
            alert to the scaler's webhook, which then evaluates at once), the gateway on :8000, one
            replica of the demo service, and the scaler on :8080, which adds replicas under load and
            removes them after; open http://127.0.0.1:8080/ for its web console (live overview, decisions,
            policy, targets, simulations). Shows a live status view until Ctrl+C, which stops everything. Needs the
            `prometheus` binary (Debian: apt-get install prometheus; macOS: brew install prometheus);
            Alertmanager is optional (Debian: apt-get install prometheus-alertmanager). With --target
            ansible every scaling action runs `ansible-playbook playbook-scale-local.yml -e
            target_replicas=N`, which sets the count through the scaler's API (needs ansible-core).
            """)
        {
            workDir, prometheusBin, prometheusUrl, prometheusPort, gatewayPort, port, scrape, evaluation,
            alertmanagerBin, alertmanagerPort, noAlertmanager, alertRules, noStatus, target, services,
        };
        var logs = new LogFlags();
        foreach (var option in flags.All.Where(o => o.Name != "--prometheus-url").Concat(ansible.All).Concat(logs.All))
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, _) =>
        {
            var loader = new OptionsLoader(ScalerOptions.LegacyEnvironment);
            var (scaler, prometheus, local, policy) = flags.Bind(parse, loader);
            var logSettings = logs.Bind(parse);
            LogFlags.Forward(logSettings, local.WebAppArguments);
            var kind = parse.GetValue(target)!;
            var ansibleOptions = ansible.Bind(parse, loader, kind);
            if (kind is TargetFlag.Compose or TargetFlag.Kubernetes)
            {
                loader.Problem($"--target {kind} is not built for up (it runs everything on this machine); use local or ansible, or run `autoscaler scaler --target {kind}`");
            }

            var servicesDirectory = parse.GetValue(services);
            if (servicesDirectory is not null)
            {
                var single = new Option[] { target, gatewayPort }.Concat(ansible.All).Concat(flags.Rules)
                    .Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (single.Count > 0)
                {
                    loader.Problem($"--services reads each service's policy, replicas and gateway port from its file, so {string.Join(", ", single)} cannot be given too");
                }

                if (!Directory.Exists(servicesDirectory))
                {
                    loader.Problem($"--services {servicesDirectory}: no such directory; try deploy/services");
                }
            }

            Uri? existing = null;
            if (parse.GetValue(prometheusUrl) is { } given)
            {
                if (Uri.TryCreate(given, UriKind.Absolute, out var u) && u.Scheme is "http" or "https")
                {
                    existing = u;
                }
                else
                {
                    loader.Problem($"--prometheus-url = {given}: must be an absolute http(s) URL");
                }
            }

            foreach (var (name, value) in new[] { ("--prometheus-port", parse.GetValue(prometheusPort)), ("--gateway-port", parse.GetValue(gatewayPort)), ("--port", parse.GetValue(port)), ("--alertmanager-port", parse.GetValue(alertmanagerPort)) })
            {
                if (value is < 1 or > 65535)
                {
                    loader.Problem($"{name} = {value}: must be a port from 1 to 65535");
                }
            }

            // The gateway balances over up's own replicas; only its health, retry and timeout settings come from configuration.
            // Its per-replica limit is what a replica holds (workers + queue) unless configured: above it the replica
            // answers 503 itself to what the gateway's hold would have kept waiting for a slot.
            var replicaCapacity = ReplicaCapacity(loader.Bind<WebApp.WebAppOptions>(WebApp.WebAppOptions.Section), local.WebAppArguments);
            var gatewayOptions = loader.Bind<Gateway.GatewayOptions>(Gateway.GatewayOptions.Section, o =>
            {
                o.Destinations.Clear();
                o.DestinationsFile = null;
                o.DestinationsDns = null;
                if (!loader.IsSet($"{Gateway.GatewayOptions.Section}:{nameof(Gateway.GatewayOptions.MaxInflightPerReplica)}"))
                {
                    o.MaxInflightPerReplica = replicaCapacity;
                }
            }, new Gateway.GatewayOptionsValidator());
            var rules = parse.GetValue(alertRules) is { Length: > 0 } given2 ? given2.Select(Path.GetFullPath).ToList() : null;
            foreach (var file in rules ?? [])
            {
                if (!File.Exists(file))
                {
                    loader.Problem($"--alert-rules = {file}: file not found");
                }
            }

            loader.ThrowIfInvalid();
            string? alertmanager = null;
            if (existing is not null && !parse.GetValue(noAlertmanager))
            {
                // An existing Prometheus has its own alerting; up does not reconfigure it, so an Alertmanager here would get nothing.
                await Console.Out.WriteLineAsync("alertmanager: not started, since --prometheus-url uses a Prometheus that up does not configure");
            }
            else if (!parse.GetValue(noAlertmanager))
            {
                alertmanager = AlertmanagerServer.FindInstalled(parse.GetValue(alertmanagerBin));
                if (alertmanager is null && parse.GetValue(alertmanagerBin) is { } wanted)
                {
                    throw new UsageException($"cannot find the Alertmanager binary {wanted}; {AlertmanagerServer.InstallHint}, or leave out --alertmanager-bin");
                }

                if (alertmanager is null)
                {
                    await Console.Out.WriteLineAsync($"alertmanager: not installed, continuing without it (alerts will not trigger evaluations; {AlertmanagerServer.InstallHint})");
                }
                else if (!File.Exists(UpStack.ShippedAlertmanagerConfig()))
                {
                    await Console.Out.WriteLineAsync($"alertmanager: its configuration {UpStack.ShippedAlertmanagerConfig()} is missing next to the binary; continuing without it (rebuild with scripts/build.sh)");
                    alertmanager = null;
                }
            }

            string? binary = null;
            if (existing is null)
            {
                binary = Core.Processes.Executables.Find(parse.GetValue(prometheusBin) ?? "prometheus")
                    ?? throw new UsageException($"cannot find the prometheus binary ({parse.GetValue(prometheusBin) ?? "prometheus on PATH"}); {PrometheusNotInstalledException.InstallHint}, or pass --prometheus-bin PATH or --prometheus-url URL");
            }

            // The replica API is always on under up: the Ansible target needs it, and a user may script it.
            var generatedToken = scaler.ApiToken is not { Length: > 0 };
            if (generatedToken)
            {
                scaler.ApiToken = AnsibleTargetFactory.NewToken();
            }

            // And the webhook is never open: any local process could otherwise make the scaler evaluate on demand.
            var generatedWebhookToken = scaler.WebhookBearerToken is not { Length: > 0 };
            if (generatedWebhookToken)
            {
                scaler.WebhookBearerToken = AnsibleTargetFactory.NewToken();
            }

            // The console's reports live with the rest of the session unless put elsewhere.
            scaler.ReportsDirectory = Path.GetFullPath(scaler.ReportsDirectory ?? Path.Combine(parse.GetValue(workDir)!, "reports"));

            // The live view shows one service; with several, the log lines (and /api/v1/services) say what each does.
            var interactive = !parse.GetValue(noStatus) && !Console.IsOutputRedirected && servicesDirectory is null;
            var settings = new UpSettings(
                Path.GetFullPath(parse.GetValue(workDir)!), binary, existing,
                parse.GetValue(prometheusPort), parse.GetValue(gatewayPort), parse.GetValue(port),
                parse.GetValue(scrape) ?? TimeSpan.FromSeconds(5), parse.GetValue(evaluation) ?? TimeSpan.FromSeconds(5),
                interactive, scaler, prometheus, local, policy,
                alertmanager, parse.GetValue(alertmanagerPort), rules)
            {
                ApiTokenGenerated = generatedToken,
                WebhookTokenGenerated = generatedWebhookToken,
                Gateway = gatewayOptions,
                Logging = logSettings,
                ServicesDirectory = servicesDirectory is null ? null : Path.GetFullPath(servicesDirectory),
                LoopTarget = ansibleOptions is null ? null : (replicas, loggers) => AnsibleTargetFactory.ForUp(ansibleOptions, replicas, $"http://127.0.0.1:{parse.GetValue(port)}", scaler.ApiToken!, loggers),
            };
            // Before the ports: a second up on this directory is the problem to name, whatever ports it asks for.
            using var workDirLock = WorkDirLock.Acquire(settings.WorkDirectory);
            var portProblems = UpStack.PortProblems(settings).ToList();
            if (portProblems.Count > 0)
            {
                throw new UsageException(string.Join("; ", portProblems));
            }

            return await RunAsync(settings);
        });
        return command;
    }

    /// <summary>
    /// Requests one replica holds at once (workers + queue), as it will read them: its configuration (the environment and
    /// appsettings.json it inherits), then the <c>--workers</c> and <c>--queue-limit</c> of <c>--replica-args</c>.
    /// </summary>
    internal static int ReplicaCapacity(WebApp.WebAppOptions configured, IReadOnlyList<string> replicaArguments)
    {
        int workers = configured.Workers, queue = configured.QueueLimit;
        for (var i = 0; i < replicaArguments.Count; i++)
        {
            var (name, value) = replicaArguments[i].Split('=', 2) is [var n, var v] ? (n, v)
                : (replicaArguments[i], i + 1 < replicaArguments.Count ? replicaArguments[i + 1] : null);
            if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                if (name == "--workers")
                {
                    workers = number;
                }
                else if (name == "--queue-limit")
                {
                    queue = number;
                }
            }
        }

        return (int)Math.Clamp((long)workers + queue, 1, 1_000_000); // the gateway's bounds of MaxInflightPerReplica
    }

    // A line per service every 15 s until Ctrl+C: the one-service view's line, for each.
    private static async Task ServicesStatusAsync(Scaler.Fleet.ScalerFleet fleet, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(15));
        try
        {
            do
            {
                foreach (var service in fleet.Services)
                {
                    var status = service.State.Snapshot();
                    await Console.Out.WriteLineAsync(
                        $"{service.Name}: replicas {status.CurrentReplicas?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}, desired {status.DesiredReplicas?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}"
                        + (status.LastError is { } error ? $", last error: {error}" : ""));
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static async Task<int> RunAsync(UpSettings settings)
    {
        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        Directory.CreateDirectory(settings.WorkDirectory);
        using var log = new LogSink(Path.Combine(settings.WorkDirectory, "autoscaler.log"), echo: !settings.StatusView, settings.Logging);
        var stack = new UpStack(settings, log);
        try
        {
            await Console.Out.WriteLineAsync($"starting: {(settings.StartsAlertmanager ? "Alertmanager, " : "")}Prometheus, {(settings.ServicesDirectory is { } dir ? $"the scaler and, for each service file in {dir}, its gateway and first replica" : "gateway, one replica and the scaler")} (logs in {settings.WorkDirectory})");
            try
            {
                await stack.StartAsync(stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return ExitCodes.Interrupted;
            }
            catch (Exception e) when (e is InvalidOperationException or PrometheusNotInstalledException or IOException or ArgumentException or HttpRequestException or TimeoutException)
            {
                await Console.Error.WriteLineAsync($"autoscaler up: failed to start: {e.Message}");
                return ExitCodes.Failure;
            }

            var alertmanagerLine = stack.AlertmanagerUrl is { } am
                ? $"\n  alertmanager {am}   (sends alerts to {settings.ScalerUrl}/api/v1/alerts)"
                : "";
            var token = settings.ApiTokenGenerated ? $"bearer token in {stack.ApiTokenFile}" : "bearer token: the one given with --api-token";
            var webhookToken = settings.WebhookTokenGenerated ? $"bearer token in {stack.WebhookTokenFile}" : "bearer token: the one given with --webhook-token";
            var replicasLine = $"replicas    PUT {settings.ScalerUrl}/api/v1/replicas {{\"replicas\": N}}   ({token}; add \"pause\": true to hold it, DELETE {settings.ScalerUrl}/api/v1/pause resumes)"
                + (stack.LoopTargetDescription is { } run ? $"\n  target      {run}" : "");
            if (stack.Services is { } demo)
            {
                var lines = string.Join("\n", demo.Gateways.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
                    $"  {g.Key,-11} {g.Value.ToString().TrimEnd('/')}   (its gateway: send load here; {settings.ScalerUrl}/api/v1/services/{g.Key})"));
                var problems = string.Join("", stack.Fleet!.Problems.Select(p => $"\n  not started: {p.File}: {p.Message}"));
                await Console.Out.WriteLineAsync($"""
                    ready, {demo.Gateways.Count} service(s) from {settings.ServicesDirectory} (followed: add, change or remove a file):
                    {lines}{problems}
                      prometheus  {stack.PrometheusUrl}{alertmanagerLine}
                      scaler      {settings.ScalerUrl}   (services: {settings.ScalerUrl}/api/v1/services, metrics: {settings.ScalerUrl}/metrics)
                      replicas    PUT {settings.ScalerUrl}/api/v1/services/NAME/replicas {"{"}"replicas": N{"}"}   ({token})
                    """);
                await ServicesStatusAsync(stack.Fleet, stop.Token);
                return ExitCodes.Ok;
            }

            await Console.Out.WriteLineAsync($"""
                ready:
                  gateway     {settings.GatewayUrl}   (the service: send load here)
                  prometheus  {stack.PrometheusUrl}   (targets: {new Uri(stack.PrometheusUrl, "targets")}, alerts: {new Uri(stack.PrometheusUrl, "alerts")}){alertmanagerLine}
                  scaler      {settings.ScalerUrl}   (status: {settings.ScalerUrl}/api/v1/status, metrics: {settings.ScalerUrl}/metrics, alerts in: POST {settings.ScalerUrl}/api/v1/alerts, {webhookToken})
                  {replicasLine}
                """);
            await new StatusView(stack, settings, log, Console.Out, settings.StatusView).RunAsync(stop.Token);
            return ExitCodes.Ok;
        }
        finally
        {
            await Console.Out.WriteLineAsync($"stopping: scaler, replicas (draining), gateway, Prometheus{(settings.StartsAlertmanager ? ", Alertmanager" : "")}");
            await stack.DisposeAsync();
            await Console.Out.WriteLineAsync("stopped");
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
