using System.Globalization;
using System.Text;
using Autoscaler.Prometheus.Api;
using Autoscaler.Scaler;
using Autoscaler.Targets.Local;

namespace Autoscaler.Cli.Up;

/// <summary>
/// What a person watches while the stack runs: replicas, latency against the thresholds, request rate,
/// the last decision and the latest log lines. Redrawn in place on a terminal; a line every
/// 15 s when the output goes to a file.
/// </summary>
internal sealed class StatusView(UpStack stack, UpSettings settings, LogSink log, TextWriter output, bool interactive)
{
    private const string RateQuery = "sum(rate(webapp_request_count_total[30s]))";
    private const string RejectedQuery = "sum(rate(webapp_rejected_requests_total[30s]))";
    private int _lastHeight;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var period = interactive ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(15);
        using var timer = new PeriodicTimer(period);
        try
        {
            do
            {
                var rate = await stack.Client.QueryScalarAsync(RateQuery, cancellationToken);
                var rejected = await stack.Client.QueryScalarAsync(RejectedQuery, cancellationToken);
                Render(rate, rejected);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Render(ScalarQueryResult rate, ScalarQueryResult rejected)
    {
        var status = stack.ScalerState.Snapshot();
        var replicas = stack.Target.Replicas;
        var ready = replicas.Where(r => r.State == "Ready").Select(r => r.Id).ToList();
        var last = status.LastDecisions.FirstOrDefault(d => d.Decision.DesiredReplicas != d.Decision.CurrentReplicas)?.Decision;
        string Num(double? v, string unit) => v is { } x ? x.ToString("0.###", CultureInfo.InvariantCulture) + unit : "-";

        if (!interactive)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"status: replicas={ready.Count} desired={status.DesiredReplicas?.ToString(CultureInfo.InvariantCulture) ?? "-"} {status.Metric}={Num(status.LastMetricValue, "")} rate={Num(rate.Value, "/s")} rejected={Num(rejected.Value, "/s")}"));
            return;
        }

        var text = new StringBuilder();
        text.AppendLine("autoscaler up: Ctrl+C stops everything");
        text.AppendLine(CultureInfo.InvariantCulture, $"  gateway {settings.GatewayUrl}   prometheus {stack.PrometheusUrl}{(stack.AlertmanagerUrl is { } am ? $"   alertmanager {am}" : "")}   scaler {settings.ScalerUrl}/api/v1/status");
        text.AppendLine(CultureInfo.InvariantCulture, $"  replicas   {ready.Count} ready of {settings.Policy.MinReplicas}..{settings.Policy.MaxReplicas}: {string.Join(' ', replicas.Select(r => r.State == "Ready" ? r.Id : $"{r.Id}({r.State.ToLowerInvariant()})"))}");
        var first = settings.Policy.Metrics[0];
        var rule = first.Threshold is { } t
            ? string.Create(CultureInfo.InvariantCulture, $"up above {t.ScaleUpThreshold}, down below {t.ScaleDownThreshold}")
            : first.Target is { } g ? string.Create(CultureInfo.InvariantCulture, $"target {g.Target} ({g.Type})") : "fixed";
        text.AppendLine(CultureInfo.InvariantCulture, $"  {first.Name,-10} {Num(status.LastMetricValue, "")}   ({rule}; {settings.Policy.Metrics.Count} metric(s))");
        text.AppendLine(CultureInfo.InvariantCulture, $"  requests   {Num(rate.Value, " req/s")}   rejected {Num(rejected.Value, " req/s")}");
        text.AppendLine(last is null
            ? "  decision   none yet"
            : string.Create(CultureInfo.InvariantCulture, $"  decision   {last.Time.ToLocalTime():HH:mm:ss} {last.CurrentReplicas} -> {last.DesiredReplicas}: {last.Reason}"));
        if (status.LastError is { } error)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  problem    {error}");
        }

        text.AppendLine("  log");
        foreach (var line in log.Recent)
        {
            text.AppendLine("    " + line);
        }

        var width = Math.Max(40, SafeWidth());
        var lines = text.ToString().Split(Environment.NewLine).Select(l => l.Length > width ? l[..(width - 1)] : l).ToList();
        var frame = new StringBuilder();
        if (_lastHeight > 0)
        {
            frame.Append(CultureInfo.InvariantCulture, $"\u001b[{_lastHeight}F");
        }

        foreach (var line in lines)
        {
            frame.Append("\u001b[2K").AppendLine(line);
        }

        frame.Append("\u001b[J");
        _lastHeight = lines.Count;
        output.Write(frame.ToString());
        output.Flush();
    }

    private static int SafeWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (IOException)
        {
            return 120;
        }
    }
}
