using System.Globalization;
using System.Net;
using System.Text;
using Autoscaler.Core.Queueing;
using Autoscaler.Simulation.Results;

namespace Autoscaler.Simulation.Reports;

/// <summary>
/// Builds report.html: one file with inline CSS and the charts as data: URIs, so it can be mailed or archived and
/// opens with no network. Every string that came from the input is HTML-encoded.
/// </summary>
internal static class ReportHtml
{
    private const string Style = """
        :root { color-scheme: light; }
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 2rem; color: #1b1b1b; background: #fff; }
        h1 { font-size: 1.6rem; margin: 0 0 1rem; }
        h2 { font-size: 1.2rem; margin: 2rem 0 0.6rem; }
        dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.25rem 1.25rem; margin: 0; }
        dl.facts dt { color: #555; }
        dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 0.92rem; }
        th, td { padding: 0.35rem 0.6rem; border-bottom: 1px solid #ddd; }
        th { text-align: right; vertical-align: bottom; background: #f4f4f4; font-weight: 600; }
        td { text-align: right; white-space: nowrap; }
        th:first-child, td:first-child { text-align: left; }
        td.best { background: #dff3df; font-weight: 700; }
        tr.reference td { color: #555; font-style: italic; }
        p.note { color: #555; font-size: 0.85rem; max-width: 60rem; }
        .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(36rem, 100%), 1fr)); gap: 1.25rem; }
        .charts figure { margin: 0; }
        .charts img { width: 100%; height: auto; border: 1px solid #ddd; }
        .charts figcaption { color: #555; font-size: 0.85rem; margin-top: 0.3rem; }
        """;

    private static readonly Column[] s_columns =
    [
        new("replica-seconds", "replicaSeconds", s => s.ReplicaSeconds, v => HtmlReport.Number(v, "#,0")),
        new("cost", "cost", s => s.Cost, v => HtmlReport.Number(v, "#,0.00")),
        new("cost / oracle", "costRatioToOracle", s => s.CostRatioToOracle, v => HtmlReport.Number(v, "0.000")),
        new("SLO violation (s)", "sloViolationSeconds", s => s.SloViolationSeconds, v => HtmlReport.Number(v, "#,0.#")),
        new("SLO violation (%)", "sloViolationPercent", s => s.SloViolationPercent, v => HtmlReport.Number(v, "0.00")),
        new("dropped requests", "droppedRequests", s => s.DroppedRequests, v => HtmlReport.Number(v, "#,0")),
        new("scale actions", "scaleActions", s => s.ScaleActions, v => HtmlReport.Number(v, "#,0")),
        new("mean latency (ms)", "meanLatencySeconds", s => s.MeanLatencySeconds * 1000, v => HtmlReport.Number(v, "#,0.0")),
        new("p95 latency (ms)", "p95LatencySeconds", s => s.P95LatencySeconds * 1000, v => HtmlReport.Number(v, "#,0.0")),
        new("θU (%)", "underProvisioningAccuracy", s => s.UnderProvisioningAccuracy, v => HtmlReport.Number(v, "0.00")),
        new("θO (%)", "overProvisioningAccuracy", s => s.OverProvisioningAccuracy, v => HtmlReport.Number(v, "0.00")),
        new("τU (%)", "underProvisioningTimeshare", s => s.UnderProvisioningTimeshare, v => HtmlReport.Number(v, "0.00")),
        new("τO (%)", "overProvisioningTimeshare", s => s.OverProvisioningTimeshare, v => HtmlReport.Number(v, "0.00")),
        new("instability (%)", "instability", s => s.Instability, v => HtmlReport.Number(v, "0.00")),
    ];

    public static string Render(SimulationResult result, IReadOnlyList<ReportChart> charts)
    {
        var html = new StringBuilder(capacity: 4096 + charts.Sum(c => (c.Png.Length * 4 / 3) + 256));
        var scenario = Encode(result.Scenario);

        html.Append("""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">

            """);
        html.Append("<title>Simulation report: ").Append(scenario).Append("</title>\n");
        html.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>Simulation report: ").Append(scenario).Append("</h1>\n");

        AppendFacts(html, result);
        AppendScores(html, result);
        AppendCharts(html, charts);

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void AppendFacts(StringBuilder html, SimulationResult result)
    {
        var slo = result.Slo;
        var statistic = slo.Statistic.Label();
        html.Append("<dl class=\"facts\">\n");
        Fact(html, "scenario", Encode(result.Scenario));
        Fact(html, "seed", result.Seed.ToString(CultureInfo.InvariantCulture));
        Fact(html, "duration", $"{Duration(result.DurationSeconds)} ({HtmlReport.Number(result.DurationSeconds, "#,0.###")} s) at a {HtmlReport.Number(result.StepSeconds, "0.###")} s step");
        Fact(html, "SLO", $"{statistic} latency ≤ {HtmlReport.Number(slo.LatencySeconds * 1000, "#,0.###")} ms and errors ≤ {HtmlReport.Number(slo.MaxErrorRate * 100, "0.###")} %");
        Fact(html, "cost per replica-hour", HtmlReport.Number(result.CostPerReplicaHour, "#,0.####"));
        Fact(html, "policies", result.Policies.Count.ToString(CultureInfo.InvariantCulture));
        Fact(html, "wall time", $"{HtmlReport.Number(result.WallSeconds, "0.###")} s");
        html.Append("</dl>\n");
    }

    private static void Fact(StringBuilder html, string name, string encodedValue) =>
        html.Append("<dt>").Append(name).Append("</dt><dd>").Append(encodedValue).Append("</dd>\n");

    private static void AppendScores(StringBuilder html, SimulationResult result)
    {
        var runs = result.Policies;

        // The oracle is the lower bound the others are measured against, not a contender: it is not ranked,
        // unless it is all there is.
        var ranked = runs.Where(r => !SimulationCharts.IsOracle(r)).ToList();
        if (ranked.Count == 0)
        {
            ranked = [.. runs];
        }

        var best = new double[s_columns.Length];
        for (var c = 0; c < s_columns.Length; c++)
        {
            best[c] = double.NaN;
            foreach (var run in ranked)
            {
                var value = s_columns[c].Value(run.Score);
                if (!double.IsNaN(value) && (double.IsNaN(best[c]) || value < best[c]))
                {
                    best[c] = value;
                }
            }
        }

        html.Append("<h2>Scores</h2>\n<div class=\"table-wrap\">\n<table>\n<thead>\n<tr><th scope=\"col\">policy</th>");
        foreach (var column in s_columns)
        {
            html.Append("<th scope=\"col\" title=\"").Append(column.Field).Append("\">").Append(Encode(column.Heading)).Append("</th>");
        }

        html.Append("</tr>\n</thead>\n<tbody>\n");
        foreach (var run in runs)
        {
            var isRanked = ranked.Contains(run);
            html.Append(isRanked ? "<tr>" : "<tr class=\"reference\">");
            html.Append("<td>").Append(Encode(run.Score.Policy)).Append("</td>");
            for (var c = 0; c < s_columns.Length; c++)
            {
                var value = s_columns[c].Value(run.Score);
                html.Append(isRanked && value.Equals(best[c]) ? "<td class=\"best\">" : "<td>");
                html.Append(Encode(s_columns[c].Format(value))).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n</div>\n");
        html.Append("<p class=\"note\">Lower is better in every column; the best value among the compared policies is highlighted. ")
            .Append("The oracle knows the future demand and runs the fewest replicas that meet the SLO: it is the cost reference and is not ranked. ")
            .Append("θU and θO (under- and over-provisioning accuracy), τU and τO (under- and over-provisioning timeshare) and instability are the ")
            .Append("SPEC Research Group elasticity metrics, with demand taken as the oracle's replica count and supply as the ready replicas. ")
            .Append("Hover over a heading for its name in summary.json.</p>\n");
    }

    private static void AppendCharts(StringBuilder html, IReadOnlyList<ReportChart> charts)
    {
        html.Append("<h2>Charts</h2>\n<div class=\"charts\">\n");
        foreach (var chart in charts)
        {
            var title = Encode(chart.Title);
            html.Append("<figure><img alt=\"").Append(title).Append("\" width=\"").Append(SimulationCharts.Width)
                .Append("\" height=\"").Append(SimulationCharts.Height).Append("\" src=\"data:image/png;base64,")
                .Append(Convert.ToBase64String(chart.Png)).Append("\"><figcaption>").Append(title)
                .Append(" (").Append(Encode(chart.FileName)).Append(")</figcaption></figure>\n");
        }

        html.Append("</div>\n");
    }

    private static string Duration(double seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Round(Math.Max(0, seconds)));
        var parts = new List<string>(4);
        if (span.Days > 0)
        {
            parts.Add($"{span.Days.ToString(CultureInfo.InvariantCulture)} d");
        }

        if (span.Hours > 0)
        {
            parts.Add($"{span.Hours.ToString(CultureInfo.InvariantCulture)} h");
        }

        if (span.Minutes > 0)
        {
            parts.Add($"{span.Minutes.ToString(CultureInfo.InvariantCulture)} min");
        }

        if (span.Seconds > 0 || parts.Count == 0)
        {
            parts.Add($"{span.Seconds.ToString(CultureInfo.InvariantCulture)} s");
        }

        return string.Join(' ', parts);
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private sealed record Column(string Heading, string Field, Func<PolicyScore, double> Value, Func<double, string> Format);
}
