using System.Globalization;
using System.Text.Json;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Queueing;
using Autoscaler.Scaler.Fleet;
using Autoscaler.Scaler.Replicas;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Scaler.Console;

/// <summary>How a metric's rule judges its value, for the overview: thresholds, a target, an SLO, or a fixed count.</summary>
public sealed record MetricRule(string Kind, double? ScaleUp = null, double? ScaleDown = null, double? Target = null, string? TargetType = null, double? SloSeconds = null, string? SloStatistic = null, int? Replicas = null);

/// <summary>One metric on the policy page: its query, its rule, and what the last evaluation read (at <paramref name="Time"/>).</summary>
public sealed record PolicyMetric(string Name, string Query, MetricRule Rule, double? Value, string? Error, DateTimeOffset? Time);

/// <summary>An export of the policy: the link, or why the format cannot hold it.</summary>
public sealed record PolicyExport(string? Url, string? Problem);

/// <summary>What <c>GET /api/v1/services/{name}/policy</c> answers.</summary>
public sealed record PolicyView(string Service, string Policy, bool DryRun, ScalingPauseView? Paused, double CheckIntervalSeconds, int MinReplicas, int MaxReplicas, IReadOnlyList<PolicyMetric> Metrics, PolicyExport Hpa, PolicyExport Keda);

/// <summary>The pause in force, as the console shows it.</summary>
public sealed record ScalingPauseView(int? Replicas, string Text);

/// <summary>
/// The endpoints the console reads beyond the scaler's API (history, series, policy, targets, export) and its one action of
/// its own (dry run). Every polled answer comes from <see cref="ResponseCache"/>: N viewers cost what one does.
/// </summary>
internal sealed partial class ConsoleApi(
    ScalerFleet fleet,
    ScalerOptions options,
    ResponseCache cache,
    TimeProvider time,
    IPrometheusView? prometheus,
    IReplicaLister? replicas,
    ILogger logger)
{
    /// <summary>The queries of the overview's charts, over the demo service's metrics (docs/configuration.md, "Web console").</summary>
    internal static readonly IReadOnlyDictionary<string, string> SeriesQueries = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["requests"] = "sum(rate(webapp_request_count_total[1m]))",
        ["rejected"] = "sum(rate(webapp_rejected_requests_total[1m]))",
        ["mean"] = $"sum(rate(http_request_duration_seconds_sum{Served}[1m])) / sum(rate(http_request_duration_seconds_count{Served}[1m]))",
        ["p50"] = $"histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{Served}[1m])))",
        ["p95"] = $"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{Served}[1m])))",
    };

    // The requests the service served, not the probes and scrapes that the same histogram counts.
    private const string Served = "{endpoint!~\"/(healthz|readyz|metrics)\"}";

    /// <summary>Requests each replica has served, by instance (host:port).</summary>
    internal const string RequestsByInstance = "sum by (instance) (webapp_request_count_total)";

    /// <summary>What the gateway has in flight to each replica in its rotation (<c>destination</c> is the replica's URL).</summary>
    internal const string GatewayInflight = "max by (destination) (gateway_destination_inflight)";

    // At a 1 s check interval an hour is 3,600 points, 300 KB a poll: one per 5 s is as much as a chart shows.
    internal const int HistoryPoints = 720;

    internal const int MinRange = 60;
    internal const int MaxRange = 86_400;

    // About 240 points a chart: enough for a 1280 px line, little to send.
    private const int PointsPerChart = 240;

    private const int MaxBody = 4 * 1024;

    public Task<IResult> HistoryAsync(string name) => Cached(name, "history", service =>
    {
        var view = service.State.History.Snapshot(time.GetUtcNow(), HistoryPoints);
        return Task.FromResult<object>(new { points = view.Points, events = view.Events, status = ServicesEndpoint.Describe(fleet, service) });
    });

    public Task<IResult> SeriesAsync(string name, string? range)
    {
        var seconds = MaxRange / 24;
        if (range is not null && (!int.TryParse(range, NumberStyles.None, CultureInfo.InvariantCulture, out seconds) || seconds is < MinRange or > MaxRange))
        {
            return Task.FromResult(Results.Text($"range={range}: give the seconds to look back, a whole number from {MinRange} to {MaxRange}", statusCode: StatusCodes.Status400BadRequest));
        }

        return Cached(name, "series/" + seconds.ToString(CultureInfo.InvariantCulture), (service, ct) => SeriesOf(service, seconds, ct));
    }

    public Task<IResult> PolicyAsync(string name) => Cached(name, "policy", service => Task.FromResult<object>(PolicyOf(service)));

    public Task<IResult> TargetsAsync(string name) => Cached(name, "targets", TargetsOf);

    public IResult Export(string name, string format)
    {
        if (format is not ("hpa" or "keda"))
        {
            return Results.Text($"export/{format}: the formats are hpa and keda", statusCode: StatusCodes.Status404NotFound);
        }

        return ScalerHost.Named(fleet, name, service =>
        {
            var spec = service.Setup.Policy;
            try
            {
                var yaml = KubernetesFormats.Write(spec, format);
                // As `autoscaler export` warns on stderr, the file says what it leaves out, where a reader of it looks.
                var lost = string.Concat(KubernetesFormats.Unexpressed(spec, format).Select(l => $"# warning: not exported: {l}\n"));
                return Results.Text(lost + yaml, "application/yaml; charset=utf-8");
            }
            catch (PolicyFileException e)
            {
                return Results.Text($"service {name}'s policy cannot be written as {Format(format)}: {e.Message}", statusCode: StatusCodes.Status422UnprocessableEntity);
            }
        });
    }

    public Task<IResult> PutDryRunAsync(HttpContext context, string name) => ScalerHost.Named(fleet, name, async service =>
    {
        if (ReplicaEndpoint.Refused(context, options) is { } refused)
        {
            return refused;
        }

        var (body, tooLarge) = await RequestBody.ReadAsync(context, MaxBody, "send {\"dryRun\": true} or {\"dryRun\": false}");
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        if (!TryParseDryRun(body, out var dryRun, out var error))
        {
            return Results.Text(error, statusCode: StatusCodes.Status400BadRequest);
        }

        var previous = service.Loop.DryRun;
        service.SetDryRun(dryRun);
        cache.Forget(name);
        LogDryRunSet(logger, name, previous, dryRun);
        return Results.Json(new { dryRun, previous }, ScalerHost.Json);
    });

    internal static bool TryParseDryRun(ReadOnlyMemory<byte> body, out bool dryRun, out string error)
    {
        dryRun = false;
        const string Expected = "send a JSON object {\"dryRun\": true} or {\"dryRun\": false}";
        using var doc = JsonBody.ReadObject(body, ["dryRun"], Expected, out error);
        if (doc is null)
        {
            return false;
        }

        if (!doc.RootElement.TryGetProperty("dryRun", out var value))
        {
            error = $"\"dryRun\" is missing; {Expected}";
            return false;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            error = $"\"dryRun\" is {JsonKind.Of(value)}; {Expected}";
            return false;
        }

        dryRun = value.GetBoolean();
        return true;
    }

    private PolicyView PolicyOf(ScalerService service)
    {
        var spec = service.Setup.Policy;
        var last = service.State.Snapshot().LastDecisions is { Count: > 0 } decisions ? decisions[0].Decision : null;
        var metrics = spec.Metrics.Select(m =>
        {
            var reading = last?.Readings.FirstOrDefault(r => r.Metric == m.Name);
            return new PolicyMetric(m.Name, m.Query, RuleOf(m), reading?.Value, reading is { Succeeded: false } r ? r.Message : null, reading is null ? null : last!.Time);
        }).ToList();
        var paused = service.Loop.Paused is { } p ? new ScalingPauseView(p.Replicas, p.ToString()) : null;
        var path = $"{ServicesEndpoint.Path}/{Uri.EscapeDataString(service.Name)}/export/";
        return new PolicyView(
            service.Name,
            PolicyFile.Write(spec),
            service.Loop.DryRun,
            paused,
            service.Setup.Options.CheckInterval.TotalSeconds,
            spec.MinReplicas,
            spec.MaxReplicas,
            metrics,
            ExportOf(spec, "hpa", path),
            ExportOf(spec, "keda", path));
    }

    private static PolicyExport ExportOf(PolicySpec spec, string format, string path)
    {
        try
        {
            _ = KubernetesFormats.Write(spec, format);
            return new PolicyExport(path + format, null);
        }
        catch (PolicyFileException e)
        {
            return new PolicyExport(null, $"not as {Format(format)}: {e.Message}");
        }
    }

    private static string Format(string format) => format == "hpa" ? "a HorizontalPodAutoscaler" : "a KEDA ScaledObject";

    internal static MetricRule RuleOf(MetricSpec metric) => metric switch
    {
        { Threshold: { } t } => new MetricRule("threshold", ScaleUp: t.ScaleUpThreshold, ScaleDown: t.ScaleDownThreshold),
        { Target: { } t } => new MetricRule("target", Target: t.Target, TargetType: t.Type.ToString()),
        { Predictive: { } p } => new MetricRule("predictive", Target: p.Target),
        { Slo: { } s } => new MetricRule("slo", SloSeconds: s.Latency.TotalSeconds, SloStatistic: s.Statistic.Label()),
        { Fixed: { } n } => new MetricRule("fixed", Replicas: n),
        _ => new MetricRule("input"),
    };

    private async Task<object> SeriesOf(ScalerService service, int seconds, CancellationToken cancellationToken)
    {
        var slo = service.Setup.Policy.Metrics.Select(m => m.Slo).FirstOrDefault(s => s is not null);
        var sloView = slo is null ? null : new { seconds = slo.Latency.TotalSeconds, statistic = slo.Statistic.Label() };
        if (prometheus is null)
        {
            return new { available = false, reason = "this scaler has no Prometheus connection to chart from; the charts show its own history", slo = sloView };
        }

        var end = time.GetUtcNow();
        var start = end - TimeSpan.FromSeconds(seconds);
        var step = TimeSpan.FromSeconds(Math.Max(5, seconds / PointsPerChart));
        var names = SeriesQueries.Keys.ToList();
        var answers = await Task.WhenAll(names.Select(n => prometheus.QueryRangeAsync(SeriesQueries[n], start, end, step, cancellationToken)));
        if (answers.All(a => a.Error is not null))
        {
            return new { available = false, reason = $"Prometheus did not answer: {answers[0].Error}", slo = sloView };
        }

        var series = new Dictionary<string, IReadOnlyList<double[]>>(StringComparer.Ordinal);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            series[names[i]] = answers[i].Value?.FirstOrDefault()?.Points ?? [];
            if (answers[i].Error is { } error)
            {
                errors[names[i]] = error;
            }
        }

        return new
        {
            available = true,
            start = start.ToUnixTimeSeconds(),
            end = end.ToUnixTimeSeconds(),
            step = step.TotalSeconds,
            series,
            errors,
            queries = SeriesQueries,
            slo = sloView,
        };
    }

    private async Task<object> TargetsOf(ScalerService service, CancellationToken cancellationToken)
    {
        var listed = replicas?.List(service.Setup.ReplicaSet ?? service.Setup.Target);
        if (prometheus is null)
        {
            return new
            {
                target = service.Setup.Target.Name,
                replicas = (listed ?? []).Select(r => new ReplicaRow(r.Id, r.Address, r.Ready, r.State, null, null)).ToList(),
                prometheus = new { available = false, reason = "this scaler has no Prometheus connection", targets = Array.Empty<ScrapeTarget>() },
            };
        }

        var scrapes = prometheus.TargetsAsync(cancellationToken);
        var served = prometheus.QueryAsync(RequestsByInstance, cancellationToken);
        var balanced = prometheus.QueryAsync(GatewayInflight, cancellationToken);
        var (targets, counts, gateway) = (await scrapes, await served, await balanced);
        var requests = ByAddress(counts, "instance");
        var inflight = ByAddress(gateway, "destination");

        // A target that runs its replicas elsewhere (Compose, Kubernetes) lists none: the gateway's rotation stands in.
        var rows = listed?.Select(r => new ReplicaRow(r.Id, r.Address, r.Ready, r.State, Find(requests, r.Address), Find(inflight, r.Address)))
            ?? inflight.Select(d => new ReplicaRow(d.Key, d.Key, true, "in the gateway", Find(requests, d.Key), d.Value));
        return new
        {
            target = service.Setup.Target.Name,
            replicas = rows.ToList(),
            prometheus = new { available = targets.Error is null, reason = targets.Error, targets = targets.Value ?? [] },
        };
    }

    /// <summary>One replica on the targets page: as its target lists it, the requests it served, what the gateway has in flight to it (null: not in rotation).</summary>
    private sealed record ReplicaRow(string Id, string Address, bool Ready, string State, double? Requests, double? GatewayInflight);

    private static Dictionary<string, double> ByAddress(ViewAnswer<IReadOnlyList<ViewSample>> answer, string label)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var sample in answer.Value ?? [])
        {
            if (sample.Labels.TryGetValue(label, out var address))
            {
                values[HostPort(address)] = sample.Value;
            }
        }

        return values;
    }

    private static double? Find(Dictionary<string, double> values, string address) =>
        values.TryGetValue(HostPort(address), out var value) ? value : null;

    private static string HostPort(string address) => Uri.TryCreate(address, UriKind.Absolute, out var uri) ? uri.Authority : address;

    private Task<IResult> Cached(string name, string what, Func<ScalerService, Task<object>> compute) =>
        Cached(name, what, (service, _) => compute(service));

    private Task<IResult> Cached(string name, string what, Func<ScalerService, CancellationToken, Task<object>> compute) =>
        ScalerHost.Named(fleet, name, async service =>
        {
            var bytes = await cache.GetAsync($"{name}/{what}", async ct => JsonSerializer.SerializeToUtf8Bytes(await compute(service, ct), ScalerHost.Json));
            return Results.Bytes(bytes, "application/json; charset=utf-8");
        });

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service}: dry run set through the console: {Previous} -> {DryRun}")]
    private static partial void LogDryRunSet(ILogger logger, string service, bool previous, bool dryRun);
}
