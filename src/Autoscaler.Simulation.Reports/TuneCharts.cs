using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Tuning;
using ScottPlot;

namespace Autoscaler.Simulation.Reports;

/// <summary>The tuning report's chart, in the style of <see cref="SimulationCharts"/>.</summary>
internal static class TuneCharts
{
    private static readonly Color s_feasible = SimulationCharts.Palette(0);
    private static readonly Color s_muted = Color.FromHex("#c7c7c7");
    private static readonly Color s_front = Color.FromHex("#08306b");
    private static readonly Color s_original = SimulationCharts.Palette(1);
    private static readonly Color s_tuned = SimulationCharts.Palette(2);

    /// <summary>How many budgets of violation the chart shows at least (more when the original or the tuned policy is higher).</summary>
    public const double ZoomBudgets = 5;

    /// <summary>The Pareto chart's title.</summary>
    public const string ParetoTitle = "Candidates on the search part: cost against SLO violation";

    /// <summary>
    /// Every candidate run on the whole search part as a point (cost ratio to the oracle, SLO-violation %), those over
    /// the budget muted; the Pareto front joined; the budget; the original and the tuned policy marked.
    /// </summary>
    public static byte[] Pareto(TuneResult result)
    {
        var budget = result.Objective.Slo.ViolationBudget * 100;
        var plot = SimulationCharts.NewPlot(ParetoTitle, "cost relative to the oracle (× the oracle's replica-seconds)", "SLO violation (% of the search part)");

        var points = result.Candidates.Where(c => Finite(c.Score)).ToList();
        AddPoints(plot, points.Where(c => !result.Objective.Accepts(c.Score)), s_muted, 6, "candidates over the budget");
        AddPoints(plot, points.Where(c => result.Objective.Accepts(c.Score)), s_feasible.WithAlpha(0.55), 7, "candidates within the budget");

        var front = points.Where(c => c.OnFront).OrderBy(c => c.Score.CostRatioToOracle).ThenByDescending(c => c.Score.SloViolationPercent).ToList();
        if (front.Count > 0)
        {
            var line = plot.Add.Scatter(X(front), Y(front), s_front);
            line.LineWidth = 2.5f;
            line.MarkerSize = 9;
            line.MarkerShape = MarkerShape.FilledCircle;
            line.LegendText = $"Pareto front ({front.Count} {(front.Count == 1 ? "point" : "points")})";
        }

        var limit = plot.Add.HorizontalLine(budget, 2, SimulationCharts.SloColor, LinePattern.Dashed);
        limit.LegendText = $"budget ({SimulationCharts.Format(budget)} %)";

        // Drawn last, so neither hides under the candidates; the tuned one smaller, so both show when they coincide.
        var marked = new List<PolicyScore>();
        if (Finite(result.OriginalSearch))
        {
            var original = plot.Add.Marker(result.OriginalSearch.CostRatioToOracle, result.OriginalSearch.SloViolationPercent, MarkerShape.FilledDiamond, 24, s_original);
            original.LegendText = "original";
            marked.Add(result.OriginalSearch);
        }

        if (Finite(result.Best.Score))
        {
            var tuned = plot.Add.Marker(result.Best.Score.CostRatioToOracle, result.Best.Score.SloViolationPercent, MarkerShape.FilledSquare, 15, s_tuned);
            tuned.LegendText = "tuned (best on the search part)";
            marked.Add(result.Best.Score);
        }

        // The decision is made near the budget: the view reaches five times the budget (or the marked points, if
        // higher), not the candidates that break the SLO for most of the run, which would squash the rest to a line.
        var all = points.Select(c => c.Score.SloViolationPercent).Concat(marked.Select(s => s.SloViolationPercent)).Append(budget).ToList();
        var top = Math.Min(all.Max(), Math.Max(ZoomBudgets * budget, marked.Select(s => s.SloViolationPercent).DefaultIfEmpty(0).Max()));
        var shown = points.Where(c => c.Score.SloViolationPercent <= top).Select(c => c.Score).Concat(marked).ToList();
        var xs = shown.Select(s => s.CostRatioToOracle).DefaultIfEmpty(1).ToList();
        var (left, right) = (xs.Min(), xs.Max());
        var pad = Math.Max((right - left) * 0.06, Math.Max(0.02, left * 0.02));
        plot.Axes.SetLimitsX(Math.Max(0, left - pad), right + pad);
        plot.Axes.SetLimitsY(top > 0 ? -top * 0.04 : -0.04, top > 0 ? top * 1.12 : 1);
        var above = points.Count(c => c.Score.SloViolationPercent > top * 1.12);
        if (above > 0)
        {
            var note = plot.Add.Text($"{above} more above {SimulationCharts.Format(top * 1.12)} % (in pareto.csv)", Math.Max(0, left - pad), top * 1.12);
            note.LabelFontColor = Colors.Gray;
            note.LabelFontSize = 14;
            note.LabelAlignment = Alignment.UpperLeft;
            note.OffsetX = 6;
            note.OffsetY = 4;
        }

        // Named on the line itself, at the right where the cheap and violating candidates rarely are.
        var label = plot.Add.Text($"budget {SimulationCharts.Format(budget)} %", right + pad, budget);
        label.LabelFontColor = SimulationCharts.SloColor;
        label.LabelFontSize = 16;
        label.LabelBold = true;
        label.LabelAlignment = Alignment.LowerRight;
        label.OffsetX = -6;
        label.OffsetY = -3;
        return SimulationCharts.Png(plot);
    }

    private static void AddPoints(Plot plot, IEnumerable<TunedCandidate> candidates, Color colour, float size, string name)
    {
        var list = candidates.ToList();
        if (list.Count == 0)
        {
            return;
        }

        var scatter = plot.Add.ScatterPoints(X(list), Y(list), colour);
        scatter.MarkerSize = size;
        scatter.MarkerShape = MarkerShape.FilledCircle;
        scatter.LegendText = name;
    }

    private static double[] X(List<TunedCandidate> candidates) => [.. candidates.Select(c => c.Score.CostRatioToOracle)];

    private static double[] Y(List<TunedCandidate> candidates) => [.. candidates.Select(c => c.Score.SloViolationPercent)];

    private static bool Finite(PolicyScore score) => double.IsFinite(score.CostRatioToOracle) && double.IsFinite(score.SloViolationPercent);
}
