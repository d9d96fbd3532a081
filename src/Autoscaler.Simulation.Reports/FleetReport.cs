using System.Globalization;
using System.Text;
using Autoscaler.Simulation.Results;
using ScottPlot;

namespace Autoscaler.Simulation.Reports;

/// <summary>
/// The report of a run of several services: each service's own report (charts and report.html, as a single-service
/// run writes them) in a directory named after it, and one page over all of them with the totals, the replicas of every
/// service together against the cap, and each service's demand-and-replicas chart.
/// </summary>
public static class FleetReport
{
    /// <summary>Every service's ready replicas together over time, per policy, against the cap and the oracles' sum.</summary>
    public const string TotalReplicasChartFileName = "total-replicas.png";

    /// <summary>
    /// Renders every chart and page, then writes them: per service into <c>DIRECTORY/SERVICE/</c>, the total chart and
    /// <c>report.html</c> into <paramref name="directory"/>. Returns the paths written.
    /// </summary>
    /// <exception cref="ReportOutputException">A directory cannot be created or written.</exception>
    public static IReadOnlyList<string> Write(FleetResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var services = result.Main.Services.Select(s => (Result: s, Charts: HtmlReport.RenderCharts(s))).ToList();
        var total = new ReportChart(TotalReplicasChartFileName, "Replicas of every service together", TotalReplicas(result)) { Wide = true };
        var html = Render(result, total, [.. services.Select(s => s.Charts[0] with { Title = $"{s.Result.Scenario}: {s.Charts[0].Title}" })]);
        var written = new List<string>();
        foreach (var (service, charts) in services)
        {
            var page = ReportHtml.Render(service, charts, $"Simulation report (service {service.Scenario} of {result.Scenario}{(result.WithCap is null ? ", without the cap" : ", with the cap")})");
            written.AddRange(HtmlReport.WriteFiles(Path.Combine(directory, service.Scenario), [.. charts.Select(c => (c.FileName, c.Png)), (HtmlReport.ReportFileName, HtmlReport.Utf8(page))], "simulation report"));
        }

        written.AddRange(HtmlReport.WriteFiles(directory, [(total.FileName, total.Png), (HtmlReport.ReportFileName, HtmlReport.Utf8(html))], "simulation report"));
        return written;
    }

    /// <summary>The chart of every service's ready replicas together, per policy, with the cap and the oracles' sum.</summary>
    internal static byte[] TotalReplicas(FleetResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var time = TimeAxis.For(result.DurationSeconds);
        var plot = SimulationCharts.NewPlot($"Replicas of every service together ({(result.WithCap is null ? "without the cap" : "with the cap")})", time.Label, "ready replicas");
        var highest = 1.0;
        var totals = result.Main.Totals;
        for (var i = 0; i < totals.Count; i++)
        {
            var series = totals[i].Series;
            var xs = series.Select(p => p.Seconds / time.SecondsPerUnit).ToArray();
            var ys = series.Select(p => totals[i].IsOracle ? (double)p.OracleReplicas : p.ReadyReplicas).ToArray();
            var line = plot.Add.ScatterLine(xs, ys, totals[i].IsOracle ? Colors.Black : SimulationCharts.Palette(i - 1));
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.LegendText = totals[i].IsOracle ? "the oracles' sum (not held to the cap)" : totals[i].Policy;
            line.LineWidth = totals[i].IsOracle ? 1.5f : 2;
            line.LinePattern = totals[i].IsOracle ? LinePattern.Dashed : LinePattern.Solid;
            highest = Math.Max(highest, ys.DefaultIfEmpty(0).Max());
        }

        if (result.TotalReplicas is { } cap)
        {
            var limit = plot.Add.HorizontalLine(cap, 2, SimulationCharts.SloColor, LinePattern.Dashed);
            limit.LegendText = string.Create(CultureInfo.InvariantCulture, $"replicas.total {cap}");
            highest = Math.Max(highest, cap);
        }

        plot.Axes.SetLimitsX(0, result.DurationSeconds / time.SecondsPerUnit);
        plot.Axes.SetLimitsY(0, Math.Ceiling(highest * 1.1) + 0.5);
        return SimulationCharts.Png(plot);
    }

    private static string Render(FleetResult result, ReportChart total, IReadOnlyList<ReportChart> services)
    {
        var c = CultureInfo.InvariantCulture;
        var name = ReportHtml.Encode(result.Scenario);
        var html = new StringBuilder();
        html.Append(ReportHtml.Head);
        html.Append("<title>Fleet simulation report: ").Append(name).Append("</title>\n<style>\n").Append(ReportHtml.Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>Fleet simulation report: ").Append(name).Append("</h1>\n<dl class=\"facts\">\n");
        ReportHtml.Fact(html, "scenario", name);
        ReportHtml.Fact(html, "services", ReportHtml.Encode(string.Join(", ", result.ServiceNames)));
        ReportHtml.Fact(html, "seed", result.Seed.ToString(c));
        ReportHtml.Fact(html, "duration", $"{ReportHtml.Encode(ReportHtml.Humanized(result.DurationSeconds))} at a {ReportHtml.Encode(ReportHtml.Humanized(result.StepSeconds))} step");
        ReportHtml.Fact(html, "SLO", ReportHtml.Encode(result.Slo.Describe()));
        ReportHtml.Fact(html, "replicas.total", ReportHtml.Encode(CapFact(result)));
        ReportHtml.Fact(html, "tool", $"autoscaler {ReportHtml.Encode(result.Version)}");
        html.Append("</dl>\n");

        html.Append("<h2>Scores</h2>\n<p class=\"note\">Per service as its own report gives them, and in total: replica-hours and cost added up, ")
            .Append("×oracle against the sum of the oracles, SLO violation time added up over the services, capped: evaluations at which the cap gave a service less than its policy asked for.</p>\n");
        foreach (var outcome in new[] { result.WithCap, result.WithoutCap }.OfType<FleetOutcome>())
        {
            html.Append("<h3>").Append(outcome.Capped ? "With the cap" : "Without the cap").Append("</h3>\n<table>\n<thead><tr><th>service</th><th>policy</th><th>SLO</th><th>replica-h</th><th>×oracle</th><th>SLO violated</th><th>errors</th><th>actions</th><th>capped</th></tr></thead>\n<tbody>\n");
            foreach (var run in outcome.Totals)
            {
                foreach (var service in outcome.Services)
                {
                    var score = service.Policies.Single(p => p.Score.Policy == run.Policy).Score;
                    Row(html, service.Scenario, score.Policy, run.IsOracle ? "bound" : score.MeetsSlo ? "meets" : "fails", score.ReplicaSeconds, score.CostRatioToOracle, score.SloViolationSeconds, score.ErrorRate, score.ScaleActions, run.CappedByService.GetValueOrDefault(service.Scenario), bold: false);
                }

                Row(html, "total", run.Policy, run.IsOracle ? "bound" : run.MeetsSlo ? "meets" : "fails", run.ReplicaSeconds, run.CostRatioToOracle, run.SloViolationSeconds, run.ErrorRate, run.ScaleActions, run.CappedEvaluations, bold: true);
            }

            html.Append("</tbody>\n</table>\n");
        }

        html.Append("<h2>Charts</h2>\n<div class=\"charts\">\n");
        ReportHtml.AppendFigure(html, total);
        foreach (var chart in services)
        {
            ReportHtml.AppendFigure(html, chart);
        }

        html.Append("</div>\n<p class=\"note\">Each service’s full report (every chart, every score, its parameters): ");
        html.Append(string.Join(", ", result.ServiceNames.Select(s => $"<code>{ReportHtml.Encode(s)}/{HtmlReport.ReportFileName}</code>")));
        html.Append(".</p>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>The cap in one line, and when the oracles together need more than it.</summary>
    public static string CapFact(FleetResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var c = CultureInfo.InvariantCulture;
        if (result.TotalReplicas is not { } cap)
        {
            return string.Create(c, $"none; the oracles need at most {result.OraclesMostReplicas} together");
        }

        var over = result.OraclesOverCapSeconds <= 0
            ? string.Create(c, $"the oracles need at most {result.OraclesMostReplicas} together, within it")
            : string.Create(c, $"the oracles need more together for {ReportHtml.Humanized(result.OraclesOverCapSeconds)} ({100 * result.OraclesOverCapSeconds / Math.Max(result.DurationSeconds, 1e-9):0.#} % of the run; at most {result.OraclesMostReplicas}): no policy can keep every service's SLO then");
        var most = result.WithCap is { } capped
            ? "; most held at once: " + string.Join(", ", capped.Totals.Where(t => !t.IsOracle).Select(t => string.Create(c, $"{t.Policy} {t.MostReplicas}")))
            : "";
        return string.Create(c, $"{cap}{(result.WithCap is null ? " (not applied in this run)" : "")}; {over}{most}");
    }

    private static void Row(StringBuilder html, string service, string policy, string verdict, double replicaSeconds, double ratio, double violation, double errors, int actions, int capped, bool bold)
    {
        var c = CultureInfo.InvariantCulture;
        html.Append(bold ? "<tr class=\"total\"><th>" : "<tr><td>").Append(ReportHtml.Encode(service)).Append(bold ? "</th>" : "</td>")
            .Append("<td>").Append(ReportHtml.Encode(policy)).Append("</td><td>").Append(verdict).Append("</td>")
            .Append("<td>").Append(HtmlReport.Number(replicaSeconds / 3600, "0.##")).Append("</td>")
            .Append("<td>").Append(HtmlReport.Number(ratio, "0.00")).Append("</td>")
            .Append("<td>").Append(ReportHtml.Encode(ReportHtml.Humanized(Math.Round(violation)))).Append("</td>")
            .Append("<td>").Append(HtmlReport.Number(errors * 100, "0.00")).Append(" %</td>")
            .Append("<td>").Append(actions.ToString(c)).Append("</td><td>").Append(capped.ToString(c)).Append("</td></tr>\n");
    }
}
