using System.CommandLine;
using System.Globalization;
using Autoscaler.Core.Options;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Time;
using Autoscaler.Prometheus.Api;
using Autoscaler.Scaler;
using Autoscaler.Targets.Local;

namespace Autoscaler.Cli.Composition;

/// <summary>The flags shared by <c>autoscaler scaler</c> and <c>autoscaler up</c>, and how they bind.</summary>
internal sealed class ScalerFlags
{
    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private readonly Option<string?> _prometheusUrl = new("--prometheus-url") { Description = "Prometheus to query [default: http://127.0.0.1:9090; env PROMETHEUS_URL]" };
    private readonly Option<string?> _query = new("--query") { Description = $"PromQL whose single value drives scaling [default: {ThresholdPolicyOptions.DefaultQuery}]" };
    private readonly Option<string?> _metricName = new("--metric-name") { Description = $"Name of that value in logs and metrics [default: {ThresholdPolicyOptions.DefaultMetricName}]" };
    private readonly Option<double?> _up = new("--scale-up-threshold") { Description = Invariant($"Above this, one more replica [default: {ThresholdPolicyOptions.DefaultScaleUpThreshold}; env SCALE_UP_THRESHOLD]") };
    private readonly Option<double?> _down = new("--scale-down-threshold") { Description = Invariant($"Below this, one fewer replica [default: {ThresholdPolicyOptions.DefaultScaleDownThreshold}; env SCALE_DOWN_THRESHOLD]") };
    private readonly Option<int?> _min = new("--min-replicas") { Description = $"Fewest replicas [default: {ScalingLimits.DefaultMinReplicas}; env MIN_REPLICAS]" };
    private readonly Option<int?> _max = new("--max-replicas") { Description = $"Most replicas [default: {ScalingLimits.DefaultMaxReplicas}; env MAX_REPLICAS]" };
    private readonly Option<TimeSpan?> _interval = VerbOptions.Duration("--check-interval", $"Time between evaluations [default: {Durations.Format(PolicySpec.DefaultCheckInterval)}; env CHECK_INTERVAL in seconds]");
    private readonly Option<string[]> _replicaArgs = new("--replica-arg")
    {
        Description = "An argument for every `autoscaler webapp` replica, repeatable (e.g. --replica-arg=--service-time --replica-arg=50ms)",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<bool> _dryRun = new("--dry-run") { Description = "Run the whole pipeline, log and export the decisions, but never change the replica count [env Scaler__DryRun]" };

    private readonly Option<string?> _policy = new("--policy") { Description = "A policy file: our YAML, a Kubernetes HorizontalPodAutoscaler (autoscaling/v2) or a KEDA ScaledObject (a live one from kubectl get -o yaml too; - reads standard input); replaces --query, thresholds and min/max" };
    private readonly Option<string?> _queries = new("--queries") { Description = "With a HorizontalPodAutoscaler --policy: a YAML mapping of metric name to PromQL, for metrics without an autoscaler.dev/query.NAME annotation" };

    private readonly Option<string?> _webhookToken = new("--webhook-token")
    {
        Description = "Require `Authorization: Bearer TOKEN` on the Alertmanager webhook POST /api/v1/alerts [default: none; env Scaler__WebhookBearerToken]",
    };

    private readonly Option<string?> _apiToken = new("--api-token")
    {
        Description = "Turn on GET/PUT /api/v1/replicas (set the count directly), requiring `Authorization: Bearer TOKEN` [default: off for scaler; up generates one per session; env Scaler__ApiToken]",
    };

    private readonly Option<string?> _webhookTokenFile = new("--webhook-token-file")
    {
        Description = "A file holding the webhook token (e.g. a mounted Secret), instead of --webhook-token [env Scaler__WebhookBearerTokenFile]",
    };

    private readonly Option<string?> _apiTokenFile = new("--api-token-file")
    {
        Description = "A file holding the API token, instead of --api-token [env Scaler__ApiTokenFile]",
    };

    private readonly Option<string?> _reports = new("--reports")
    {
        Description = "A folder of simulation reports (folders with a report.html, as simulate, replay and tune write with --output DIR/NAME) that the console lists and opens, and where its \"simulate this policy\" replays go [default: none for scaler, WORK_DIR/reports for up; env Scaler__ReportsDirectory]",
    };

    private readonly Option<bool> _noConsole = new("--no-console") { Description = "Do not serve the web console at / (the API stays) [env Scaler__Console=false]" };

    private readonly Option<bool> _consolePublic = new("--console-public")
    {
        Description = "Leave the web console and the API's GETs open without the API token when listening beyond loopback (on loopback they always are) [env Scaler__ConsolePublic]",
    };

    private readonly Option<string?> _replicaPorts = new("--replica-ports") { Description = "Port range for local replicas [default: 8001-8099]" };

    /// <summary>
    /// Whether a policy's Prometheus connection (a KEDA trigger's serverAddress, headers, unsafeSsl, timeout) sets the
    /// Prometheus options; false for <c>up</c>, which queries the Prometheus it starts.
    /// </summary>
    public bool PolicyConnection { get; init; } = true;

    /// <summary>The flags that set one service's rules (a service file has its own policy instead).</summary>
    public IEnumerable<Option> Rules => [_policy, _queries, _query, _metricName, _up, _down, _min, _max, _replicaArgs, _replicaPorts];

    public IEnumerable<Option> All => [_prometheusUrl, _policy, _queries, _query, _metricName, _up, _down, _min, _max, _interval, _dryRun, _webhookToken, _webhookTokenFile, _apiToken, _apiTokenFile, _reports, _noConsole, _consolePublic, _replicaArgs, _replicaPorts];

    public ScalerSettings Bind(ParseResult parse, OptionsLoader loader)
    {
        var document = LoadPolicy(parse, loader);
        var scaler = loader.Bind<ScalerOptions>(ScalerOptions.Section, o =>
        {
            parse.IfGiven(_query, v => o.Query = v!);
            parse.IfGiven(_metricName, v => o.MetricName = v!);
            parse.IfGiven(_up, v => o.ScaleUpThreshold = v!.Value);
            parse.IfGiven(_down, v => o.ScaleDownThreshold = v!.Value);
            parse.IfGiven(_min, v => o.MinReplicas = v!.Value);
            parse.IfGiven(_max, v => o.MaxReplicas = v!.Value);
            parse.IfGiven(_interval, v => o.CheckInterval = v!.Value);
            parse.IfGiven(_dryRun, v => o.DryRun = v);
            parse.IfGiven(_webhookToken, v => o.WebhookBearerToken = v);
            parse.IfGiven(_apiToken, v => o.ApiToken = v);
            parse.IfGiven(_webhookTokenFile, v => o.WebhookBearerTokenFile = v);
            parse.IfGiven(_apiTokenFile, v => o.ApiTokenFile = v);
            parse.IfGiven(_reports, v => o.ReportsDirectory = v);
            parse.IfGiven(_noConsole, v => o.Console = !v);
            parse.IfGiven(_consolePublic, v => o.ConsolePublic = v);
        }, new ScalerOptionsValidator());
        var problems = new List<string>();
        scaler.WebhookBearerToken = SecretFile.Resolve($"{ScalerOptions.Section}:WebhookBearerToken", scaler.WebhookBearerToken, scaler.WebhookBearerTokenFile, problems);
        scaler.ApiToken = SecretFile.Resolve($"{ScalerOptions.Section}:ApiToken", scaler.ApiToken, scaler.ApiTokenFile, problems);
        if (scaler.ReportsDirectory is { } reports && File.Exists(reports))
        {
            problems.Add($"--reports {reports}: is a file; give a folder (it is created when the first report is written)");
        }

        problems.ForEach(loader.Problem);
        var prometheus = loader.Bind<PrometheusClientOptions>(PrometheusClientOptions.Section, o =>
        {
            if (PolicyConnection && document?.Spec is { } policy)
            {
                ApplyConnection(policy, o, loader, parse.GetResult(_prometheusUrl) is { Implicit: false });
            }

            parse.IfGiven(_prometheusUrl, v => o.Url = v!);
        }, new PrometheusClientOptionsValidator());
        var local = loader.Bind<LocalTargetOptions>(LocalTargetOptions.Section, o =>
        {
            parse.IfGiven(_replicaArgs, v => o.WebAppArguments.AddRange(v));
            parse.IfGiven(_replicaPorts, v =>
            {
                var parts = v!.Split('-', 2);
                if (parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var first) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var last))
                {
                    (o.PortRangeStart, o.PortRangeEnd) = (first, last);
                }
                else
                {
                    loader.Problem($"--replica-ports = {v}: use FIRST-LAST, e.g. 8001-8099");
                }
            });
        }, new LocalTargetOptionsValidator());
        return new ScalerSettings(scaler, prometheus, local, Policy(parse, loader, scaler, document));
    }

    /// <summary>Reads --policy (problems go to the loader; warnings are printed at once: they do not stop the scaler).</summary>
    private PolicyDocument? LoadPolicy(ParseResult parse, OptionsLoader loader)
    {
        if (parse.GetValue(_policy) is not { } file)
        {
            return null;
        }

        try
        {
            var queries = parse.GetValue(_queries) is { } q ? PolicyFiles.LoadQueries(q) : new Dictionary<string, string>();
            var document = PolicyFiles.Load(file, new PolicyReadOptions { Queries = queries });
            foreach (var warning in document.Warnings)
            {
                Console.Error.WriteLine($"warning: {warning}");
            }

            return document;
        }
        catch (PolicyFileException e)
        {
            foreach (var problem in e.Problems)
            {
                loader.Problem(problem);
            }

            return null;
        }
    }

    /// <summary>
    /// A policy's Prometheus connection (from a KEDA trigger) sets what the environment and the flags leave unset:
    /// the URL, headers, the certificate check, the timeout. What the client cannot do is named.
    /// </summary>
    private static void ApplyConnection(PolicySpec policy, PrometheusClientOptions options, OptionsLoader loader, bool urlFlag)
    {
        var connections = policy.Metrics.Select(m => m.Prometheus ?? new PrometheusConnection()).Distinct().ToList();
        if (connections.Count > 1)
        {
            loader.Problem($"--policy: the metrics name different Prometheus connections ({string.Join(", ", policy.Metrics.Select(m => $"{m.Name}: {m.Prometheus?.ServerAddress ?? "the configured one"}"))}); the scaler queries one Prometheus: make them the same, or remove serverAddress and set --prometheus-url");
            return;
        }

        if (connections[0] is not { IsEmpty: false } c)
        {
            return;
        }

        var section = PrometheusClientOptions.Section;
        if (c.ServerAddress is { } url && !urlFlag && !loader.IsSetAbovePolicy($"{section}:Url"))
        {
            options.Url = url;
        }

        foreach (var (name, value) in c.CustomHeaders)
        {
            if (!loader.IsSetAbovePolicy($"{section}:Headers:{name}"))
            {
                options.Headers[name] = value;
            }
        }

        if (c.UnsafeSsl is { } unsafeSsl && !loader.IsSetAbovePolicy($"{section}:InsecureSkipVerify"))
        {
            options.InsecureSkipVerify = unsafeSsl;
        }

        if (c.Timeout is { } timeout && timeout > TimeSpan.Zero && !loader.IsSetAbovePolicy($"{section}:Timeout"))
        {
            options.Timeout = timeout;
        }

        var unused = new List<string>();
        if (c.Namespace is not null || c.QueryParameters.Count > 0)
        {
            unused.Add("namespace and queryParameters (the scaler's queries carry no extra URL parameters)");
        }

        if (c.AuthModes is not null || c.AuthenticationRef is not null)
        {
            unused.Add($"authModes {c.AuthModes ?? "(none)"} with authenticationRef {c.AuthenticationRef?.Name ?? "(none)"} (the scaler does not read TriggerAuthentications: set Prometheus__BearerToken, or Prometheus__Username and Prometheus__Password)");
        }

        foreach (var item in unused)
        {
            Console.Error.WriteLine($"warning: --policy: not carried over to the scaler's Prometheus client: {item}");
        }
    }

    /// <summary>The policy file when given (rules from the file, nothing else setting them), else the threshold policy of the options.</summary>
    private PolicySpec Policy(ParseResult parse, OptionsLoader loader, ScalerOptions scaler, PolicyDocument? document)
    {
        if (parse.GetValue(_policy) is not { } file)
        {
            return scaler.ToPolicy();
        }

        var clashes = new (Option Flag, string Key)[]
        {
            (_query, "Query"), (_metricName, "MetricName"), (_up, "ScaleUpThreshold"), (_down, "ScaleDownThreshold"), (_min, "MinReplicas"), (_max, "MaxReplicas"),
        }
            .Where(c => parse.GetResult(c.Flag) is { Implicit: false } || loader.IsSet($"{ScalerOptions.Section}:{c.Key}"))
            .Select(c => parse.GetResult(c.Flag) is { Implicit: false } ? c.Flag.Name : $"{ScalerOptions.Section}:{c.Key}")
            .ToList();
        if (clashes.Count > 0)
        {
            loader.Problem($"--policy {file} sets the scaling rules, so {string.Join(", ", clashes)} cannot be set too; put them in the policy file");
        }

        if (document?.Spec is not { } spec)
        {
            return new PolicySpec();
        }

        if (spec.CheckInterval is { } interval && parse.GetResult(_interval) is not { Implicit: false } && !loader.IsSetAbovePolicy($"{ScalerOptions.Section}:CheckInterval"))
        {
            scaler.CheckInterval = interval;
        }

        return spec;
    }
}

/// <summary>Everything the scaler needs, validated.</summary>
internal sealed record ScalerSettings(ScalerOptions Scaler, PrometheusClientOptions Prometheus, LocalTargetOptions Local, PolicySpec Policy);
