using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Tuning;
using static Autoscaler.Simulation.Reports.ReportHtml;

namespace Autoscaler.Simulation.Reports;

/// <summary>
/// Writes what <c>autoscaler tune</c> found as a Pareto chart and a <c>report.html</c>: a Tuning section (the objective,
/// the split, the verdict on the held part, the scores and the parameters of the original and the tuned policy, the
/// chart) above the simulator's report of the validation run.
/// </summary>
public static class TuneReport
{
    /// <summary>Every candidate run on the whole search part: cost ratio to the oracle against SLO-violation %.</summary>
    public const string ParetoChartFileName = "pareto.png";

    private const string Style = """
        .verdict.kept { border-color: #ff7f0e; background: #fff7ec; }
        h2 + .verdict { margin-top: 0; }
        .verdict + dl.facts { margin-top: 1rem; }
        h3 { font-size: 1rem; margin: 1.4rem 0 0.4rem; }
        tr.kept td:first-child { font-weight: 700; }
        tr.changed td { background: #fff4d6; }
        tr.changed td.tuned { font-weight: 700; }
        td.name, th.name { text-align: left; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
        td.range { color: #555; }

        """;

    /// <summary>
    /// Renders the Pareto chart, the validation run's charts and the report and writes them into
    /// <paramref name="directory"/>, creating it if needed. Everything is rendered before the first file is written,
    /// and each file replaces the old one whole. Returns the paths written: the Pareto chart, the validation run's
    /// charts, then the report.
    /// </summary>
    /// <exception cref="ReportOutputException">The directory cannot be created or written; the message names it.</exception>
    public static IReadOnlyList<string> Write(TuneResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);

        // The validation run's scores cover the held part, its series the whole history: the charts draw all of it.
        var whole = result.Validation with { DurationSeconds = (result.Split.At + result.Split.Held).TotalSeconds };
        byte[] pareto = [];
        ReportChart[] charts = [];
        try
        {
            Parallel.Invoke(() => pareto = TuneCharts.Pareto(result), () => charts = HtmlReport.RenderCharts(whole));
        }
        catch (AggregateException e)
        {
            ExceptionDispatchInfo.Throw(e.Flatten().InnerExceptions[0]);
        }

        var paretoChart = new ReportChart(ParetoChartFileName, TuneCharts.ParetoTitle, pareto) { Wide = true };
        var html = ReportHtml.Render(result.Validation, charts, "Tuning report", Section(result, paretoChart), Style);
        return HtmlReport.WriteFiles(
            directory,
            [(ParetoChartFileName, pareto), .. charts.Select(c => (c.FileName, c.Png)), (HtmlReport.ReportFileName, HtmlReport.Utf8(html))],
            "tuning report");
    }

    /// <summary>The Tuning section, HTML-encoded.</summary>
    internal static string Section(TuneResult result, ReportChart pareto)
    {
        var html = new StringBuilder(4096 + (pareto.Png.Length * 4 / 3));
        var c = CultureInfo.InvariantCulture;
        var slo = result.Objective.Slo;
        var split = result.Split;
        var front = result.Candidates.Count(x => x.OnFront);

        html.Append("<h2>Tuning</h2>\n");
        AppendVerdict(html, result);

        html.Append("<dl class=\"facts\">\n");
        Fact(html, "objective", "the cheapest policy (fewest replica-seconds) that meets the SLO within the violation budget and the error rate; fewer scale actions break a tie");
        Fact(html, "SLO", Encode(slo.Describe()));
        Fact(html, "violation budget", $"{Percent(slo.ViolationBudget * 100)} of the time (--max-violation)");
        Fact(html, "maxErrorRate", $"{Percent(slo.MaxErrorRate * 100)} of the requests dropped");
        Fact(html, "split", Encode(string.Create(c,
            $"--validate-fraction {result.Options.ValidateFraction:0.###}: the search saw the first {Humanized(split.At.TotalSeconds)}; the last {Humanized(split.Held.TotalSeconds)} (from {Humanized(split.At.TotalSeconds)} on) was held back and scores the verdict")));
        Fact(html, "search part", Encode($"{Humanized(split.At.TotalSeconds)} ({HtmlReport.Number(split.At.TotalSeconds, "#,0.###")} s)"));
        Fact(html, "held part", Encode($"{Humanized(split.Held.TotalSeconds)} ({HtmlReport.Number(split.Held.TotalSeconds, "#,0.###")} s)"));
        Fact(html, "candidates simulated", string.Create(c,
            $"{result.Tried:#,0} of at most {result.Options.Candidates:#,0} (--candidates), seed {result.Options.Seed}; {result.Candidates.Count:#,0} ran on the whole search part, {front:#,0} on the Pareto front; {result.Simulated:#,0} simulations in all"));
        if (result.Refused.Count > 0)
        {
            Fact(html, "refused", Encode("value sets the policy rules refuse (one example each): " + string.Join("; ", result.Refused)));
        }

        Fact(html, "tuning time", string.Create(c, $"{HtmlReport.Number(result.WallSeconds, "0.###")} s for {HtmlReport.Number(result.SimulatedSeconds, "#,0")} simulated seconds"));
        html.Append("</dl>\n");

        AppendScores(html, result, "On the held part", "the verdict: both policies ran over the whole history, scored from the split on", result.OriginalHeld, result.BestHeld, kept: true);
        AppendScores(html, result, "On the search part", "what the search ranked by", result.OriginalSearch, result.Best.Score, kept: false);
        AppendParameters(html, result);

        html.Append("<h3>Pareto chart</h3>\n<p class=\"note\">")
            .Append(result.Candidates.Count.ToString("#,0", c)).Append(" candidates ran on the whole search part; ")
            .Append(front.ToString("#,0", c)).Append(front == 1 ? " is" : " are")
            .Append(" on the Pareto front (no other candidate has both fewer replica-seconds and less violation, and is better in one). ")
            .Append("Candidates over the budget are grey. The other candidates ran only on the shorter spans of successive halving.</p>\n")
            .Append("<div class=\"charts\">\n");
        AppendFigure(html, pareto);
        html.Append("</div>\n");

        html.Append("<h2>Validation run</h2>\n<p class=\"note\">Everything below is the simulator’s report of the validation run: the original and the tuned policy, ")
            .Append("with the oracle, over the whole history (").Append(Encode(Humanized((split.At + split.Held).TotalSeconds)))
            .Append("). Its duration and every score are of the held part only (from ").Append(Encode(Humanized(split.At.TotalSeconds)))
            .Append(" on); the charts show the whole history.</p>\n");
        return html.ToString();
    }

    private static void AppendVerdict(StringBuilder html, TuneResult result)
    {
        var (original, tuned) = (result.OriginalHeld, result.BestHeld);
        html.Append(result.Improved ? "<div class=\"verdict\">\n<p><strong>Tuned policy kept: better on the held part</strong>" : "<div class=\"verdict kept\">\n<p><strong>Original kept: the tuned policy is not better on the held part</strong>")
            .Append(" (tuned ").Append(HtmlReport.Number(tuned.CostRatioToOracle, "0.000")).Append("× the oracle’s cost, ")
            .Append(HtmlReport.Number(tuned.SloViolationPercent, "0.00")).Append(" % in violation; original ")
            .Append(HtmlReport.Number(original.CostRatioToOracle, "0.000")).Append("×, ")
            .Append(HtmlReport.Number(original.SloViolationPercent, "0.00")).Append(" %).</p>\n");
        if (!result.Objective.Accepts(result.ChosenHeld))
        {
            html.Append("<p>The kept policy does not meet the objective on the held part: ")
                .Append(Encode(string.Join("; ", result.Objective.Slo.Breaches(result.ChosenHeld)))).Append(".</p>\n");
            if (result.Validation.OutOfReach is { } outOfReach)
            {
                html.Append("<p>No policy could: ").Append(Encode(outOfReach)).Append(".</p>\n");
            }
        }

        html.Append("</div>\n");
    }

    private static void AppendScores(StringBuilder html, TuneResult result, string heading, string what, PolicyScore original, PolicyScore tuned, bool kept)
    {
        html.Append("<h3>").Append(heading).Append("</h3>\n<p class=\"note\">").Append(what).Append(".</p>\n<div class=\"table-wrap\">\n<table>\n<thead>\n<tr>")
            .Append("<th scope=\"col\">policy</th><th scope=\"col\" class=\"slo\">objective</th><th scope=\"col\">cost / oracle</th><th scope=\"col\">replica-seconds</th>")
            .Append("<th scope=\"col\">SLO violation (%)</th><th scope=\"col\">errors (%)</th><th scope=\"col\">scale actions</th></tr>\n</thead>\n<tbody>\n");
        foreach (var (name, score, isKept) in new[] { ("original", original, kept && !result.Improved), ("tuned", tuned, kept && result.Improved) })
        {
            var accepted = result.Objective.Accepts(score);
            html.Append(isKept ? "<tr class=\"kept\">" : "<tr>")
                .Append("<td>").Append(name).Append(isKept ? " (kept)" : string.Empty).Append("</td>")
                .Append(accepted ? "<td class=\"slo meets\">✓ meets</td>" : "<td class=\"slo fails\">✗ misses</td>")
                .Append("<td>").Append(HtmlReport.Number(score.CostRatioToOracle, "0.000")).Append("</td>")
                .Append("<td>").Append(HtmlReport.Number(score.ReplicaSeconds, "#,0")).Append("</td>")
                .Append("<td>").Append(HtmlReport.Number(score.SloViolationPercent, "0.00")).Append("</td>")
                .Append("<td>").Append(HtmlReport.Number(score.ErrorRate * 100, "0.00")).Append("</td>")
                .Append("<td>").Append(HtmlReport.Number(score.ScaleActions, "#,0")).Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</div>\n");
    }

    private static void AppendParameters(StringBuilder html, TuneResult result)
    {
        var parameters = result.Space.Parameters;
        var changed = parameters.Count(p => Changed(result, p));
        html.Append("<h3>Parameters</h3>\n<p class=\"note\">")
            .Append(changed.ToString(CultureInfo.InvariantCulture)).Append(" of ").Append(parameters.Count.ToString(CultureInfo.InvariantCulture))
            .Append(" parameters changed by the search (highlighted); names as <code>--param</code> takes them. The others of the policy are left as written.</p>\n")
            .Append("<div class=\"table-wrap\">\n<table class=\"tuned-parameters\">\n<thead>\n<tr><th scope=\"col\" class=\"name\">parameter</th><th scope=\"col\">original</th>")
            .Append("<th scope=\"col\">tuned</th><th scope=\"col\">search range</th></tr>\n</thead>\n<tbody>\n");
        foreach (var p in parameters)
        {
            var tuned = result.Best.Values.TryGetValue(p.Name, out var value) ? p.Format(value) : "–";
            var range = p.IsFixed ? $"fixed at {p.Format(p.SearchMin)}" : $"{p.Format(p.SearchMin)} to {p.Format(p.SearchMax)}";
            html.Append(Changed(result, p) ? "<tr class=\"changed\">" : "<tr>")
                .Append("<td class=\"name\">").Append(Encode(p.Name)).Append("</td>")
                .Append("<td>").Append(Encode(p.Format(p.Value))).Append("</td>")
                .Append("<td class=\"tuned\">").Append(Encode(tuned)).Append("</td>")
                .Append("<td class=\"range\">").Append(Encode(range)).Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</div>\n");
    }

    private static bool Changed(TuneResult result, Tuning.TunableParameter p) =>
        result.Best.Values.TryGetValue(p.Name, out var value) && value != p.Value;

    private static string Percent(double percent) => HtmlReport.Number(percent, "0.###") + " %";
}
