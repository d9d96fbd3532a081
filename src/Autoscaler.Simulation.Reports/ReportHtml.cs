using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using Autoscaler.Core.Time;
using Autoscaler.Simulation.Results;

namespace Autoscaler.Simulation.Reports;

/// <summary>
/// Builds report.html: one file with inline CSS and the charts as data: URIs, so it can be mailed or archived and
/// opens with no network. Every string that came from the input is HTML-encoded.
/// </summary>
internal static class ReportHtml
{
    /// <summary>The start of every report page: no script, no network, images inline only.</summary>
    internal const string Head = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">

        """;

    internal const string Style = """
        :root { color-scheme: light; }
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 2rem; color: #1b1b1b; background: #fff; }
        h1 { font-size: 1.6rem; margin: 0 0 1rem; }
        h2 { font-size: 1.2rem; margin: 2rem 0 0.6rem; }
        dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.25rem 1.25rem; margin: 0; }
        dl.facts dt { color: #555; }
        dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
        .verdict { margin: 1.25rem 0 0; padding: 0.75rem 1rem; border-left: 4px solid #2ca02c; background: #f3faf3; max-width: 60rem; }
        .verdict.none { border-color: #d62728; background: #fdf3f3; }
        .verdict p { margin: 0.25rem 0; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 0.84rem; }
        th, td { padding: 0.3rem 0.4rem; border-bottom: 1px solid #ddd; }
        th { text-align: right; vertical-align: bottom; background: #f4f4f4; font-weight: 600; }
        td { text-align: right; white-space: nowrap; }
        th:first-child, td:first-child, th.slo, td.slo { text-align: left; }
        td.best { background: #dff3df; font-weight: 700; }
        td.slo.meets { color: #1a7f1a; }
        td.slo.top { color: #1a7f1a; font-weight: 700; }
        td.slo.fails { color: #b31b1b; font-weight: 700; }
        tr.fails td:first-child { color: #b31b1b; }
        tr.reference td { color: #555; font-style: italic; }
        p.note { color: #555; font-size: 0.85rem; max-width: 60rem; }
        dl.legend { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; font-size: 0.85rem; color: #333; max-width: 70rem; }
        dl.legend dt { font-weight: 600; }
        dl.legend dd { margin: 0; }
        .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(36rem, 100%), 1fr)); gap: 1.25rem; }
        .charts figure { margin: 0; }
        .charts figure.wide { grid-column: 1 / -1; max-width: 1000px; }
        .charts img { width: 100%; height: auto; border: 1px solid #ddd; }
        .charts figcaption, .parameters figcaption { color: #555; font-size: 0.85rem; margin-top: 0.3rem; }
        .parameters { display: grid; grid-template-columns: repeat(auto-fill, minmax(22rem, 1fr)); gap: 1rem; }
        .parameters figure { margin: 0; }
        .parameters pre { margin: 0; padding: 0.6rem 0.8rem; background: #f6f6f6; border: 1px solid #ddd; font-size: 0.8rem; overflow-x: auto; }
        """;

    private static readonly Column[] s_columns =
    [
        new("replica-seconds", "replicaSeconds", s => s.ReplicaSeconds, v => HtmlReport.Number(v, "#,0"),
            "replicas running (starting, ready or draining) integrated over time"),
        new("cost", "cost", s => s.Cost, v => HtmlReport.Number(v, "#,0.00"), "replica-seconds / 3600 × the price of a replica-hour"),
        new("cost / oracle", "costRatioToOracle", s => s.CostRatioToOracle, v => HtmlReport.Number(v, "0.000"),
            "replica-seconds divided by the oracle's; below 1 means fewer replicas than the SLO needed at some time"),
        new("SLO violation", "sloViolationSeconds", s => s.SloViolationSeconds,
            Humanized,
            "time in steps that broke the SLO (the latency bound, or more dropped than the error rate allows), and its share of the run (sloViolationPercent)")
        {
            Text = s => $"{Humanized(s.SloViolationSeconds)} ({HtmlReport.Number(s.SloViolationPercent, "0.00")} %)",
        },
        new("dropped requests", "droppedRequests", s => s.DroppedRequests, v => HtmlReport.Number(v, "#,0"), "requests rejected because every queue was full, or no replica was ready"),
        new("errors (%)", "errorRate", s => s.ErrorRate * 100, v => HtmlReport.Number(v, "0.00"), "dropped requests as a share of all the requests offered"),
        new("scale actions", "scaleActions", s => s.ScaleActions, v => HtmlReport.Number(v, "#,0"), "times the policy changed its replica count"),
        new("mean latency (ms)", "meanLatencySeconds", s => s.MeanLatencySeconds * 1000, v => HtmlReport.Number(v, "#,0.0"), "mean response time of all the requests served"),
        new("p95 latency (ms)", "p95LatencySeconds", s => s.P95LatencySeconds * 1000, v => HtmlReport.Number(v, "#,0.0"), "95th percentile response time of all the requests served"),
        new("θU (%)", "underProvisioningAccuracy", s => s.UnderProvisioningAccuracy, v => HtmlReport.Number(v, "0.00"),
            "under-provisioning accuracy: replicas missing, relative to the replicas needed, averaged over the run"),
        new("θO (%)", "overProvisioningAccuracy", s => s.OverProvisioningAccuracy, v => HtmlReport.Number(v, "0.00"),
            "over-provisioning accuracy: replicas in excess, relative to the replicas needed, averaged over the run"),
        new("τU (%)", "underProvisioningTimeshare", s => s.UnderProvisioningTimeshare, v => HtmlReport.Number(v, "0.00"), "under-provisioning timeshare: share of the run with too few replicas"),
        new("τO (%)", "overProvisioningTimeshare", s => s.OverProvisioningTimeshare, v => HtmlReport.Number(v, "0.00"), "over-provisioning timeshare: share of the run with too many replicas"),
        new("instability (%)", "instability", s => s.Instability, v => HtmlReport.Number(v, "0.00"),
            "share of the run in which the replicas and the replicas needed did not move in the same direction"),
    ];

    /// <summary>
    /// The report of <paramref name="result"/>, headed <paramref name="title"/>, with <paramref name="section"/> (HTML,
    /// already encoded) after the facts and <paramref name="style"/> (CSS) after the report's own: how <c>tune</c> puts its
    /// own section above the validation run's report.
    /// </summary>
    public static string Render(SimulationResult result, IReadOnlyList<ReportChart> charts, string title = "Simulation report", string? section = null, string? style = null)
    {
        var html = new StringBuilder(capacity: 8192 + charts.Sum(c => (c.Png.Length * 4 / 3) + 256));
        var scenario = Encode(result.Scenario);

        html.Append(Head);
        html.Append("<title>").Append(title).Append(": ").Append(scenario).Append("</title>\n");
        html.Append("<style>\n").Append(Style).Append(style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>").Append(title).Append(": ").Append(scenario).Append("</h1>\n");

        AppendFacts(html, result);
        html.Append(section);
        AppendVerdict(html, result);
        AppendScores(html, result);
        AppendCharts(html, charts);
        AppendParameters(html, result);

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void AppendFacts(StringBuilder html, SimulationResult result)
    {
        html.Append("<dl class=\"facts\">\n");
        Fact(html, "scenario", Encode(result.Scenario));
        Fact(html, "seed", result.Seed.ToString(CultureInfo.InvariantCulture));
        Fact(html, "duration", $"{Encode(Humanized(result.DurationSeconds))} ({HtmlReport.Number(result.DurationSeconds, "#,0.###")} s) at a {Encode(Humanized(result.StepSeconds))} step");
        Fact(html, "SLO", Encode(result.Slo.Describe()));
        Fact(html, "SLO out of reach", result.OutOfReach is { } outOfReach
            ? Encode(outOfReach)
            : Encode($"never: replicas.max ({result.MaxReplicas.ToString(CultureInfo.InvariantCulture)}) is enough to keep it at every step"));
        Fact(html, "cost per replica-hour", HtmlReport.Number(result.CostPerReplicaHour, "#,0.####"));
        Fact(html, "policies", result.Policies.Count.ToString(CultureInfo.InvariantCulture));
        Fact(html, "wall time", $"{HtmlReport.Number(result.WallSeconds, "0.###")} s");
        Fact(html, "tool", $"autoscaler {Encode(result.Version)}");
        html.Append("</dl>\n");
    }

    internal static void Fact(StringBuilder html, string name, string encodedValue) =>
        html.Append("<dt>").Append(name).Append("</dt><dd>").Append(encodedValue).Append("</dd>\n");

    /// <summary>Which policy to pick and why, and every cheaper one that breaks the SLO, so cost alone never steers.</summary>
    private static void AppendVerdict(StringBuilder html, SimulationResult result)
    {
        var best = result.Best;
        var candidates = result.Policies.Where(p => !p.IsOracle).ToList();
        html.Append(best is null ? "<div class=\"verdict none\">\n" : "<div class=\"verdict\">\n");
        if (best is not null)
        {
            html.Append("<p><strong>Best: ").Append(Encode(best.Score.Policy)).Append("</strong>, the cheapest policy that meets the SLO (")
                .Append(HtmlReport.Number(best.Score.CostRatioToOracle, "0.000")).Append("× the oracle’s cost, in violation ")
                .Append(Encode(Humanized(best.Score.SloViolationSeconds))).Append(").</p>\n");
        }
        else if (candidates.Count > 0)
        {
            html.Append("<p><strong>No policy meets the SLO.</strong> None is recommended; the breaches below say by how much each misses.</p>\n");
        }
        else
        {
            html.Append("<p>Only the oracle ran: there is no policy to compare.</p>\n");
        }

        foreach (var run in result.CheaperButFailing)
        {
            html.Append("<p>").Append(Encode(run.Score.Policy)).Append(best is null ? " fails the SLO: " : " is cheaper but fails the SLO: ")
                .Append(Encode(string.Join("; ", result.Slo.Breaches(run.Score)))).Append(".</p>\n");
        }

        html.Append("</div>\n");
    }

    private static void AppendScores(StringBuilder html, SimulationResult result)
    {
        var runs = result.Policies;

        // The best value of a column is the lowest among the policies that meet the SLO: a policy that breaks it is
        // never shown as best at anything. The oracle is the bound the others are measured against, not a contender.
        var contenders = runs.Where(r => !r.IsOracle && r.Score.MeetsSlo).ToList();
        var best = new double[s_columns.Length];
        for (var c = 0; c < s_columns.Length; c++)
        {
            best[c] = double.NaN;
            foreach (var run in contenders)
            {
                var value = s_columns[c].Value(run.Score);
                if (!double.IsNaN(value) && (double.IsNaN(best[c]) || value < best[c]))
                {
                    best[c] = value;
                }
            }
        }

        html.Append("<h2>Scores</h2>\n<div class=\"table-wrap\">\n<table>\n<thead>\n<tr><th scope=\"col\">policy</th><th scope=\"col\" class=\"slo\" title=\"meetsSlo\">SLO</th>");
        foreach (var column in s_columns)
        {
            html.Append("<th scope=\"col\" title=\"").Append(column.Field).Append("\">").Append(Encode(column.Heading)).Append("</th>");
        }

        html.Append("</tr>\n</thead>\n<tbody>\n");
        var top = result.Best;
        foreach (var run in runs)
        {
            var contender = contenders.Contains(run);
            html.Append(run.IsOracle ? "<tr class=\"reference\">" : run.Score.MeetsSlo ? "<tr>" : "<tr class=\"fails\">");
            html.Append("<td>").Append(Encode(run.Score.Policy)).Append("</td>");
            html.Append(run.IsOracle ? "<td class=\"slo\">bound</td>"
                : ReferenceEquals(run, top) ? "<td class=\"slo top\">★ best</td>"
                : run.Score.MeetsSlo ? "<td class=\"slo meets\">✓ meets</td>"
                : "<td class=\"slo fails\">✗ fails</td>");
            for (var c = 0; c < s_columns.Length; c++)
            {
                var value = s_columns[c].Value(run.Score);
                html.Append(contender && value.Equals(best[c]) ? "<td class=\"best\">" : "<td>");
                html.Append(Encode(s_columns[c].Text is { } text ? text(run.Score) : s_columns[c].Format(value))).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n</div>\n");
        AppendLegend(html, result);
    }

    private static void AppendLegend(StringBuilder html, SimulationResult result)
    {
        html.Append("<dl class=\"legend\">\n");
        Legend(html, "SLO", $"whether the policy meets the SLO: {result.Slo.Describe()}. ★ best: the cheapest policy that meets it; ✓ meets; ✗ fails; bound: the oracle");
        Legend(html, "oracle", "knows the future demand and runs, at every moment, the fewest replicas that keep the SLO, at most replicas.max, started one start-up delay ahead: the cost lower bound, not ranked");
        foreach (var column in s_columns)
        {
            Legend(html, column.Heading, column.Meaning);
        }

        Legend(html, "green cell", "the lowest value of the column among the policies that meet the SLO (lower is better in every column)");
        html.Append("</dl>\n");
        html.Append("<p class=\"note\">θU, θO, τU, τO and instability are the SPEC Research Group’s elasticity metrics, with the replicas ")
            .Append("needed taken as the oracle’s count and the supply as the ready replicas. Hover over a heading for its name in summary.json.</p>\n");
    }

    private static void Legend(StringBuilder html, string term, string meaning) =>
        html.Append("<dt>").Append(Encode(term)).Append("</dt><dd>").Append(Encode(meaning)).Append("</dd>\n");

    private static void AppendCharts(StringBuilder html, IReadOnlyList<ReportChart> charts)
    {
        html.Append("<h2>Charts</h2>\n<div class=\"charts\">\n");
        foreach (var chart in charts)
        {
            AppendFigure(html, chart);
        }

        html.Append("</div>\n");
    }

    /// <summary>One chart as a figure: the image inline, its title and file as the caption.</summary>
    public static void AppendFigure(StringBuilder html, ReportChart chart)
    {
        var title = Encode(chart.Title);
        var (width, height) = PngSize(chart.Png);
        html.Append(chart.Wide ? "<figure class=\"wide\">" : "<figure>").Append("<img alt=\"").Append(title).Append("\" width=\"").Append(width)
            .Append("\" height=\"").Append(height).Append("\" src=\"data:image/png;base64,")
            .Append(Convert.ToBase64String(chart.Png)).Append("\"><figcaption>").Append(title)
            .Append(" (").Append(Encode(chart.FileName)).Append(")</figcaption></figure>\n");
    }

    private static void AppendParameters(StringBuilder html, SimulationResult result)
    {
        html.Append("<h2>Parameters</h2>\n<p class=\"note\">What each policy ran with, every default filled in, in the policy-file format ")
            .Append("(<code>autoscaler scaler --policy FILE</code> reads it); the oracle’s sizing for the oracle.</p>\n<div class=\"parameters\">\n");
        foreach (var run in result.Policies.Where(p => p.Parameters.Length > 0))
        {
            html.Append("<figure><figcaption>").Append(Encode(run.Score.Policy)).Append("</figcaption><pre>")
                .Append(Encode(run.Parameters.TrimEnd())).Append("</pre></figure>\n");
        }

        html.Append("</div>\n");
    }

    // Width and height from the PNG's header (the IHDR chunk), so each <img> reserves its own shape.
    private static (int Width, int Height) PngSize(byte[] png) =>
        png.Length >= 24 ? (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20))) : (SimulationCharts.Width, SimulationCharts.Height);

    internal static string Humanized(double seconds) =>
        double.IsFinite(seconds) ? Durations.Humanize(TimeSpan.FromSeconds(Math.Round(seconds, 3))) : "–";

    internal static string Encode(string text) => WebUtility.HtmlEncode(text);

    private sealed record Column(string Heading, string Field, Func<PolicyScore, double> Value, Func<double, string> Format, string Meaning)
    {
        /// <summary>The cell's text when it shows more than the value it is ranked by.</summary>
        public Func<PolicyScore, string>? Text { get; init; }
    }
}
