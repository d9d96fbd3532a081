using System.Globalization;
using Autoscaler.Core.Pipeline;
using Autoscaler.Targets.Local;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Autoscaler.Cli.Up;

/// <summary>
/// What a person watches while the stack runs: replicas, the scaling metric against its rule, request rate, the last
/// decision and the latest log lines. Redrawn in place on a terminal (Spectre.Console's live display); a plain line
/// every 15 s when the output goes to a file.
/// </summary>
internal sealed class StatusView(UpStack stack, UpSettings settings, LogSink log, TextWriter output, bool interactive)
{
    private const string RateQuery = "sum(rate(webapp_request_count_total[30s]))";
    private const string RejectedQuery = "sum(rate(webapp_rejected_requests_total[30s]))";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interactive ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(15));
        try
        {
            if (!interactive)
            {
                do
                {
                    await output.WriteLineAsync(Line(await ReadAsync(cancellationToken)));
                }
                while (await timer.WaitForNextTickAsync(cancellationToken));
                return;
            }

            var console = Terminal.For(output, interactive: true);
            await console.Live(Render(await ReadAsync(cancellationToken), console.Profile.Width))
                .Overflow(VerticalOverflow.Ellipsis)
                .Cropping(VerticalOverflowCropping.Bottom)
                .StartAsync(async context =>
                {
                    while (await timer.WaitForNextTickAsync(cancellationToken))
                    {
                        context.UpdateTarget(Render(await ReadAsync(cancellationToken), console.Profile.Width));
                    }
                });
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<StatusFrame> ReadAsync(CancellationToken cancellationToken)
    {
        var rate = await stack.Client.QueryScalarAsync(RateQuery, cancellationToken);
        var rejected = await stack.Client.QueryScalarAsync(RejectedQuery, cancellationToken);
        var status = stack.ScalerState.Snapshot();
        var first = settings.Policy.Metrics[0];
        var rule = first.Threshold is { } t
            ? string.Create(CultureInfo.InvariantCulture, $"up above {t.ScaleUpThreshold}, down below {t.ScaleDownThreshold}")
            : first.Target is { } g ? string.Create(CultureInfo.InvariantCulture, $"target {g.Target} ({g.Type})") : first.Rule;
        return new StatusFrame(
            settings.GatewayUrl, stack.PrometheusUrl.ToString(), stack.AlertmanagerUrl?.ToString(), settings.ScalerUrl,
            stack.Target.Replicas, settings.Policy.MinReplicas, settings.Policy.MaxReplicas, status.DesiredReplicas,
            status.Metric, status.LastMetricValue, rule, settings.Policy.Metrics.Count,
            rate.Value, rejected.Value,
            status.LastDecisions.FirstOrDefault(d => d.Decision.DesiredReplicas != d.Decision.CurrentReplicas)?.Decision,
            status.LastError, log.Recent)
        {
            NotReady = stack.NotReady,
        };
    }

    /// <summary>The line written every 15 s when the output is not a terminal.</summary>
    internal static string Line(StatusFrame f) => string.Create(CultureInfo.InvariantCulture,
        $"status: replicas={f.Ready.Count} desired={f.DesiredReplicas?.ToString(CultureInfo.InvariantCulture) ?? "-"} {f.Metric}={Number(f.MetricValue, "")} rate={Number(f.RequestRate, "/s")} rejected={Number(f.RejectedRate, "/s")}")
        + (f.NotReady is { } why ? $" NOT READY: {why}" : "");

    /// <summary>The terminal view: the addresses, the state of the loop, and the log, each line cropped to <paramref name="width"/>.</summary>
    internal static IRenderable Render(StatusFrame f, int width)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        void Row(string label, IRenderable value) => grid.AddRow(new Text(label, new Style(Color.Grey)), value);

        Row("gateway", new Text($"{f.GatewayUrl}   (send load here)"));
        Row("prometheus", new Text(f.PrometheusUrl));
        if (f.AlertmanagerUrl is { } alertmanager)
        {
            Row("alertmanager", new Text(alertmanager));
        }

        Row("scaler", new Text($"{f.ScalerUrl}/api/v1/status"));
        var replicas = new Paragraph();
        replicas.Append(string.Create(CultureInfo.InvariantCulture, $"{f.Ready.Count} ready of {f.MinReplicas}..{f.MaxReplicas}"), new Style(decoration: Decoration.Bold));
        replicas.Append(f.DesiredReplicas is { } desired ? string.Create(CultureInfo.InvariantCulture, $", desired {desired}:") : ":");
        foreach (var replica in f.Replicas)
        {
            var ready = replica.State == "Ready";
            replicas.Append(" ").Append(ready ? replica.Id : $"{replica.Id}({replica.State.ToLowerInvariant()})", new Style(ready ? Color.Green : Color.Yellow));
        }

        Row("replicas", replicas);
        Row(f.Metric, new Text(string.Create(CultureInfo.InvariantCulture, $"{Number(f.MetricValue, "")}   ({f.Rule}; {f.MetricCount} metric(s))")));
        Row("requests", new Text($"{Number(f.RequestRate, " req/s")}   rejected {Number(f.RejectedRate, " req/s")}"));
        Row("decision", new Text(f.LastChange is { } d
            ? string.Create(CultureInfo.InvariantCulture, $"{d.Time.ToLocalTime():HH:mm:ss} {d.CurrentReplicas} -> {d.DesiredReplicas}: {d.Reason}")
            : "none yet"));
        if (f.NotReady is { } notReady)
        {
            Row("not ready", new Text(notReady, new Style(Color.Red, decoration: Decoration.Bold)));
        }

        if (f.Problem is { } problem && problem != f.NotReady)
        {
            Row("problem", new Text(problem, new Style(Color.Red)));
        }

        var panel = new Panel(grid) { Header = new PanelHeader("autoscaler up: Ctrl+C stops everything"), Border = BoxBorder.Rounded, Expand = true };

        // Log lines are shown as they are (never read as markup), one screen line each: cropped, so that a long one
        // cannot push the view around.
        var room = Math.Max(10, width - 3); // the indent, and a spare column: a line as wide as the console wraps
        var lines = f.Log.Select(l => (IRenderable)new Text(l.Length > room ? l[..(room - 1)] + "…" : l));
        return new Rows([panel, new Text("log", new Style(Color.Grey)), new Padder(new Rows(lines), new Padding(2, 0, 0, 0))]);
    }

    private static string Number(double? value, string unit) => value is { } x ? x.ToString("0.###", CultureInfo.InvariantCulture) + unit : "-";
}

/// <summary>Everything the status view shows at one moment, read before it is drawn so drawing is pure.</summary>
internal sealed record StatusFrame(
    string GatewayUrl,
    string PrometheusUrl,
    string? AlertmanagerUrl,
    string ScalerUrl,
    IReadOnlyList<LocalReplica> Replicas,
    int MinReplicas,
    int MaxReplicas,
    int? DesiredReplicas,
    string Metric,
    double? MetricValue,
    string Rule,
    int MetricCount,
    double? RequestRate,
    double? RejectedRate,
    ScalingDecision? LastChange,
    string? Problem,
    IReadOnlyList<string> Log)
{
    public IReadOnlyList<LocalReplica> Ready => [.. Replicas.Where(r => r.State == "Ready")];

    /// <summary>Why the stack is not ready (a child down, Prometheus unreachable); null when it is.</summary>
    public string? NotReady { get; init; }
}
