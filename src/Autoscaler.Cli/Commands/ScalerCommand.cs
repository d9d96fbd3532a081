using System.CommandLine;
using Autoscaler.Cli.Composition;
using Autoscaler.Cli.Logging;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Scaling;
using Autoscaler.Prometheus.Api;
using Autoscaler.Prometheus.Discovery;
using Autoscaler.Scaler;
using Autoscaler.Targets.Local;
using Microsoft.Extensions.DependencyInjection;
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
        var kubernetes = new KubernetesTargetFactory();
        var flags = new ScalerFlags();
        var target = TargetFlag.Create("What to scale: local replicas (child processes), ansible (run --playbook with -e target_replicas=N), compose (a Docker Compose service, --compose-service), or kubernetes (a Deployment or StatefulSet, --kube-name)");
        var ansible = new AnsibleTargetFactory(forUp: false);
        var compose = new ComposeTargetFactory();
        var election = new LeaderElectionFlags();
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
            --api-token). The original scripts' variables PROMETHEUS_URL, SCALE_UP_THRESHOLD,
            SCALE_DOWN_THRESHOLD, MIN_REPLICAS, MAX_REPLICAS and CHECK_INTERVAL are honoured, flags win over
            them; everything else is configuration (Scaler__*, Prometheus__* for authentication and TLS:
            docs/configuration.md).
            """)
        {
            port, urls, sdFile, target,
        };
        var logs = new LogFlags();
        foreach (var option in flags.All.Concat(ansible.All).Concat(compose.All).Concat(kubernetes.All).Concat(election.All).Concat(logs.All))
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var loader = new OptionsLoader(ScalerOptions.LegacyEnvironment);
            var (scaler, prometheus, local, policy) = flags.Bind(parse, loader);
            var logSettings = logs.Bind(parse);
            LogFlags.Forward(logSettings, local.WebAppArguments);
            var kind = parse.GetValue(target)!;
            var ansibleOptions = ansible.Bind(parse, loader, kind);
            var composeOptions = compose.Bind(parse, loader, kind);
            var kube = kubernetes.Bind(parse, loader, kind);
            var leaderElection = election.Bind(parse, loader);
            if (kind is TargetFlag.Compose or TargetFlag.Kubernetes && parse.GetResult(sdFile) is { Implicit: false })
            {
                loader.Problem($"--sd-file lists local replicas; with --target {kind} discovery is the platform's (see deploy/)");
            }

            loader.ThrowIfInvalid();
            var listen = HostRunner.ListenUrls(parse.GetValue(urls), parse.GetValue(port));

            using var client = new PrometheusClient(prometheus);
            using var loggers = LoggerFactory.Create(b => b.AddAutoscalerConsole(logSettings));
            var listeners = parse.GetValue(sdFile) is { } file ? new IReplicaSetListener[] { new FileSdListener(new FileSdWriter(file)) } : [];
            await using var replicas = kind == TargetFlag.Local
                ? new LocalProcessTarget(local, LocalProcessTarget.SelfCommand(), listeners, TimeProvider.System, loggers.CreateLogger<LocalProcessTarget>())
                : null;
            using var playbook = ansibleOptions is null ? null : AnsibleTargetFactory.ForScaler(ansibleOptions, client, loggers);
            using var cluster = kube is null ? null : KubernetesTargetFactory.Create(kube, loggers);
            var service = composeOptions is null ? null : ComposeTargetFactory.Create(composeOptions, loggers);
            IScaleTarget scaled = (IScaleTarget?)replicas ?? playbook ?? cluster ?? service!;
            var leadership = LeaderElectionFlags.Create(leaderElection, kube, loggers);
            var app = ScalerHost.Build(scaler, listen, scaled, MetricSources.For(policy, client), HostRunner.ConfigureLogging(logSettings), policy, replicaSet: replicas, leadership);
            await PredictiveWarmUps.WarmAsync(
                app.Services.GetRequiredService<DecisionPipeline>(), policy, client, TimeProvider.System, loggers.CreateLogger("Autoscaler.Scaler"), cancellationToken);
            return await HostRunner.RunAsync(app, "scaler", listen, a => $"scaler listening on {string.Join(' ', a)}", logSettings);
        });
        return command;
    }
}
