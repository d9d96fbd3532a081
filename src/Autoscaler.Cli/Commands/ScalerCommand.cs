using System.CommandLine;
using Autoscaler.Cli.Composition;
using Autoscaler.Cli.Logging;
using Autoscaler.Prometheus.Api;
using Autoscaler.Prometheus.Discovery;
using Autoscaler.Scaler;
using Autoscaler.Targets.Local;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Commands;

/// <summary><c>autoscaler scaler</c>: the control loop and its API, scaling local replicas or another target.</summary>
internal static class ScalerCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port of the scaler's API, on 127.0.0.1", DefaultValueFactory = _ => 8080 };
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on, ';'-separated (overrides --port)" };
        var sdFile = new Option<string?>("--sd-file") { Description = "file_sd JSON to keep listing the ready replicas (for Prometheus, and for `autoscaler gateway --destinations-file`)" };
        var flags = new ScalerFlags();
        LocalTargetOptions? local = null;
        var kinds = new TargetKinds(() => local!);
        var target = TargetFlag.Create("What to scale: local replicas (child processes), ansible (run --playbook with -e target_replicas=N), compose (a Docker Compose service, --compose-service), or kubernetes (a Deployment or StatefulSet, --kube-name)");
        var services = new Option<string?>("--services") { Description = "A directory of service files (one YAML per service: name, policy, target; see deploy/services/), followed while the scaler runs: a new file starts a service, a changed one replaces it, a removed one stops its loop. Instead of --policy, --target and the rules' flags" };
        var servicesInterval = VerbOptions.Duration("--services-interval", "How often --services is read for changes [default: 2s]");
        var election = new LeaderElectionFlags();
        var serviceName = new Option<string?>("--service-name") { Description = $"The name of the one service scaled without --services, in the status and in the service label of every autoscaler_ series [default: {ScalerTelemetry.DefaultService}]" };
        var command = new Command("scaler", """
            Run the scaler on its own. Every check interval (10s) it reads the replica count from the target, runs
            each metric's PromQL query against Prometheus, and decides a count: the policy proposes one per metric
            (by default the threshold rule on avg(avg_over_time(webapp_response_time_seconds[30s])): above 0.6 one
            replica more, below 0.2 one fewer; --policy for target, predictive, slo or fixed rules, a formula over
            the metrics, schedule windows on min/max, or a Kubernetes HPA or KEDA ScaledObject), the largest
            proposal wins, a metric without a value never lets it scale down, the policy's behavior (none for the
            default rule) applies stabilization windows, rate limits and cooldowns, and the result is kept within
            min..max (1..6). An alert that Alertmanager posts to /api/v1/alerts makes it evaluate at once. When the
            count should change it scales the target (--target):
              local       child `autoscaler webapp` processes on 127.0.0.1 (--replica-ports, --replica-arg, --sd-file)
              ansible     `ansible-playbook PLAYBOOK -e target_replicas=N` (--playbook); the count from PromQL
              compose     `docker compose up -d --no-recreate --scale SERVICE=N SERVICE` (--compose-service)
              kubernetes  the scale subresource of a Deployment or StatefulSet (--kube-name)
            With --dry-run it decides, logs and exports, but never scales. With --leader-election file (a lock
            file, one host) or kubernetes (a Lease), several scalers on one target elect one leader: only it
            scales; the others decide, serve read-only status ("leader": false) and take over when it dies. It serves on --port (127.0.0.1:8080):
            /healthz, /readyz (ready after the first evaluation), /metrics (autoscaler_* metrics: replicas, limits,
            metric values and thresholds, proposals, decisions, scale actions, query and evaluation durations,
            pause, build info; process_* and dotnet_*), /api/v1/status, /api/v1/decisions, POST /api/v1/alerts
            (with --webhook-token), GET/PUT /api/v1/replicas to set the local count directly, or with
            "pause": true to hold a count (whatever the target) until DELETE /api/v1/pause (both with
            --api-token). With --services DIR it scales many services, one YAML file each (name, policy,
            target; see deploy/services/), each on its own loop, and follows the directory: a new file starts a
            service, a changed one replaces it, a removed one stops its loop and leaves its replicas; an invalid one
            is reported and its service keeps its last good version. Every autoscaler_ series then carries
            service="NAME"; /api/v1/services lists them, and /api/v1/services/{name}, /api/v1/services/{name}/decisions,
            /api/v1/services/{name}/replicas and /api/v1/services/{name}/pause are each one's. The console's Simulations
            page lists the reports under --reports DIR (GET /api/v1/reports; their files under /reports/{name} and
            /reports/{name}/{**file}) and replays a service's policy on its recent demand from Prometheus
            (POST /api/v1/services/{name}/simulations, with the API token; GET /api/v1/services/{name}/simulations
            lists them; GET /api/v1/simulations/{id} shows one, DELETE cancels it). At / it serves a web
            console (overview with charts, decisions, policy, targets, simulations; every file is in the binary):
            open on loopback; listening beyond it, reading needs the API token unless --console-public;
            --no-console turns it off. The original scripts' variables PROMETHEUS_URL, SCALE_UP_THRESHOLD,
            SCALE_DOWN_THRESHOLD, MIN_REPLICAS, MAX_REPLICAS and CHECK_INTERVAL are honoured, flags win over
            them; everything else is configuration (Scaler__*, Prometheus__* for authentication and TLS:
            docs/configuration.md).
            """)
        {
            port, urls, sdFile, target, services, servicesInterval, serviceName,
        };
        var logs = new LogFlags();
        foreach (var option in flags.All.Concat(kinds.Flags).Concat(election.All).Concat(logs.All))
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var loader = new OptionsLoader(ScalerOptions.LegacyEnvironment);
            var (scaler, prometheus, localOptions, policy) = flags.Bind(parse, loader);
            local = localOptions;
            var logSettings = logs.Bind(parse);
            LogFlags.Forward(logSettings, local.WebAppArguments);
            var kind = parse.GetValue(target)!;
            var directory = parse.GetValue(services);
            if (directory is not null)
            {
                var single = new Option[] { target, sdFile, serviceName }.Concat(kinds.Flags).Concat(flags.Rules)
                    .Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (single.Count > 0)
                {
                    loader.Problem($"--services reads each service's policy and target from its file, so {string.Join(", ", single)} cannot be given too");
                }

                if (!Directory.Exists(directory))
                {
                    loader.Problem($"--services {directory}: no such directory; create it with one YAML file per service (see deploy/services/)");
                }
            }
            else if (parse.GetResult(servicesInterval) is { Implicit: false })
            {
                loader.Problem("--services-interval needs --services");
            }

            // Every kind binds: the selected one its options, the others report any of their flags given.
            var options = kinds.All.Select(k => k.Bind(parse, loader, kind)).ToList().FirstOrDefault(o => o is not null); // every kind binds (no short cut)
            var leaderElection = election.Bind(parse, loader);
            if (kind is TargetFlag.Compose or TargetFlag.Kubernetes && parse.GetResult(sdFile) is { Implicit: false })
            {
                loader.Problem($"--sd-file lists local replicas; with --target {kind} discovery is the platform's (see deploy/)");
            }

            var name = parse.GetValue(serviceName) ?? ScalerTelemetry.DefaultService;
            if (directory is null && !ServiceFile.IsName(name))
            {
                loader.Problem($"--service-name {name}: {ServiceFile.NameRule}");
            }

            loader.ThrowIfInvalid();
            var listen = HostRunner.ListenUrls(parse.GetValue(urls), parse.GetValue(port));

            using var client = new PrometheusClient(prometheus);
            using var loggers = LoggerFactory.Create(b => b.AddAutoscalerConsole(logSettings));
            var listeners = parse.GetValue(sdFile) is { } file ? new IReplicaSetListener[] { new FileSdListener(new FileSdWriter(file)) } : [];
            var context = new TargetContext(client, loggers, listeners);
            var leadership = LeaderElectionFlags.Create(leaderElection, options as Targets.Kubernetes.KubernetesTargetOptions, loggers);
            if (directory is not null)
            {
                var app = ScalerBootstrap.BuildFollowing(
                    scaler, listen, Path.GetFullPath(directory), parse.GetValue(servicesInterval) ?? ServicesDirectory.DefaultInterval, kinds,
                    (f, _) => Task.FromResult(kinds.Find(f.TargetKind)!.Create(f.TargetOptions, new TargetContext(client, loggers, []))),
                    client, HostRunner.ConfigureLogging(logSettings), leadership);
                return await HostRunner.RunAsync(app, "scaler", listen, a => $"scaler listening on {string.Join(' ', a)}, following {directory}", logSettings);
            }

            await using var scaled = kinds.Find(kind)!.Create(options!, context);
            var setup = ScalerBootstrap.Setup(name, policy, scaled, client, scaler, loggers.CreateLogger("Autoscaler.Scaler"));
            var one = ScalerBootstrap.Build(scaler, listen, [setup], HostRunner.ConfigureLogging(logSettings), leadership, client);
            return await HostRunner.RunAsync(one, "scaler", listen, a => $"scaler listening on {string.Join(' ', a)}", logSettings);
        });
        return command;
    }
}
