using Autoscaler.Core.Queueing;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Scenarios;
using ScottPlot;
using ScottPlot.Plottables;

namespace Autoscaler.Simulation.Reports;

/// <summary>Renders the report's charts to PNG bytes with ScottPlot.</summary>
internal static class SimulationCharts
{
    public const int Width = 1000;
    public const int Height = 560;

    private static readonly Color s_demandColor = Color.FromHex("#9e9e9e");
    private static readonly Color s_oracleColor = Colors.Black;
    private static readonly Color s_sloColor = Color.FromHex("#d62728");

    /// <summary>The SLO's red, shared with the tuning report's chart.</summary>
    internal static Color SloColor => s_sloColor;

    /// <summary>The <paramref name="i"/>th colour of the policies' palette.</summary>
    internal static Color Palette(int i) => s_palette[i % s_palette.Length];

    // Category10 without its red, which marks the SLO.
    private static readonly Color[] s_palette =
    [
        Color.FromHex("#1f77b4"), Color.FromHex("#ff7f0e"), Color.FromHex("#2ca02c"), Color.FromHex("#9467bd"),
        Color.FromHex("#8c564b"), Color.FromHex("#e377c2"), Color.FromHex("#17becf"), Color.FromHex("#bcbd22"),
        Color.FromHex("#7f7f7f"),
    ];

    // ScottPlot's default on Linux is whichever family Skia finds first (DejaVu Serif here); prefer a sans face.
    // With no font installed at all Skia falls back to an empty typeface: the chart renders, without text.
    private static readonly Lazy<string> s_font = new(() =>
        new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica" }
            .FirstOrDefault(name => string.Equals(Fonts.GetTypeface(name, bold: false, italic: false).FamilyName, name, StringComparison.Ordinal))
        ?? Fonts.Default);

    public static bool IsOracle(PolicyRun run) => run.IsOracle;

    /// <summary>Each policy's colour, the same in every chart: the oracle black, the others the palette in order.</summary>
    public static Color[] Colours(SimulationResult result)
    {
        var colours = new Color[result.Policies.Count];
        var next = 0;
        for (var i = 0; i < colours.Length; i++)
        {
            colours[i] = result.Policies[i].IsOracle ? s_oracleColor : s_palette[next++ % s_palette.Length];
        }

        return colours;
    }

    /// <summary>A policy's name in a legend, with its verdict: every chart marks the policies that fail the SLO.</summary>
    public static string Name(SimulationResult result, PolicyRun run) =>
        run.IsOracle ? $"{run.Score.Policy} (bound)"
        : !run.Score.MeetsSlo ? $"{run.Score.Policy} (fails SLO)"
        : ReferenceEquals(run, result.Best) ? $"{run.Score.Policy} (best)"
        : run.Score.Policy;

    /// <summary>Runs longer than this show their busiest day in <see cref="DemandAndReplicas"/>; the panels show the whole run.</summary>
    public const double ZoomAfterSeconds = 2 * 86_400;

    /// <summary>
    /// The stretch of the run <see cref="DemandAndReplicas"/> draws: all of it, or past <see cref="ZoomAfterSeconds"/>
    /// the whole day (counted from the start) with the highest demand, where the policies' lines can be told apart.
    /// </summary>
    public static (double From, double To, int? Day) Window(SimulationResult result)
    {
        var reference = result.Policies.FirstOrDefault(p => p.Series.Count > 0);
        if (result.DurationSeconds <= ZoomAfterSeconds || reference is null)
        {
            return (0, Math.Max(result.DurationSeconds, 1), null);
        }

        var busiest = reference.Series.MaxBy(p => p.DemandRps)!;
        var day = (int)Math.Floor(busiest.Seconds / 86_400);
        return (day * 86_400.0, Math.Min(result.DurationSeconds, (day + 1) * 86_400.0), day + 1);
    }

    /// <summary>The title of <see cref="DemandAndReplicas"/>, which says when it shows one day of a longer run.</summary>
    public static string DemandTitle(SimulationResult result) => Window(result).Day is { } day
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Demand and ready replicas on the busiest day (day {day} of {Math.Ceiling(result.DurationSeconds / 86_400)})")
        : "Demand and ready replicas";

    /// <summary>Demand on the right axis, ready replicas per policy and the oracle's count on the left, over <see cref="Window"/>.</summary>
    public static byte[] DemandAndReplicas(SimulationResult result)
    {
        var (from, to, _) = Window(result);
        var time = TimeAxis.For(to - from);
        var plot = NewPlot(DemandTitle(result), time.Label, "ready replicas");
        var right = plot.Axes.Right;
        right.Label.Text = "demand (rps)";

        var maxDemand = 0.0;
        var maxReplicas = 1.0;
        var reference = result.Policies.FirstOrDefault(p => p.Series.Count > 0);
        if (reference is not null)
        {
            var (xs, ys) = Thin(Within(reference.Series, from, to), time, p => p.DemandRps);
            var demand = plot.Add.ScatterLine(xs, ys, s_demandColor);
            demand.LegendText = "demand (right axis)";
            demand.LineWidth = 1.5f;
            demand.Axes.YAxis = right;
            maxDemand = Max(ys);
        }

        var colours = Colours(result);
        var oracleDrawn = false;
        for (var i = 0; i < result.Policies.Count; i++)
        {
            var run = result.Policies[i];
            var (xs, ys) = Thin(Within(run.Series, from, to), time, p => p.ReadyReplicas);
            AddReplicaLine(plot, xs, ys, colours[i], Name(result, run), run.IsOracle);
            oracleDrawn |= run.IsOracle;
            maxReplicas = Math.Max(maxReplicas, Max(ys));
        }

        // Without an oracle run, the count it would have run is still in every series.
        if (!oracleDrawn && reference is not null)
        {
            var (xs, ys) = Thin(Within(reference.Series, from, to), time, p => p.OracleReplicas);
            AddReplicaLine(plot, xs, ys, s_oracleColor, "oracle (needed)", dashed: true);
            maxReplicas = Math.Max(maxReplicas, Max(ys));
        }

        plot.Axes.SetLimitsX(from / time.SecondsPerUnit, to / time.SecondsPerUnit);
        plot.Axes.SetLimitsY(0, Math.Ceiling(maxReplicas * 1.1) + 0.5, plot.Axes.Left);
        plot.Axes.SetLimitsY(0, maxDemand > 0 ? maxDemand * 1.1 : 1, right);
        return Png(plot);
    }

    // The points in [from, to], with the one before from, so a step line enters the window at the level it had.
    private static IReadOnlyList<SeriesPoint> Within(IReadOnlyList<SeriesPoint> series, double from, double to)
    {
        if (from <= 0 && (series.Count == 0 || series[^1].Seconds <= to))
        {
            return series;
        }

        var first = Math.Max(0, series.Count(p => p.Seconds < from) - 1);
        return [.. series.Skip(first).TakeWhile(p => p.Seconds <= to)];
    }

    /// <summary>
    /// Small multiples: one panel per policy (the oracle aside) with its ready replicas against the replicas the oracle
    /// needs, on shared axes, so a policy that flaps on a long run hides no other. Each panel's title gives the verdict.
    /// </summary>
    public static byte[] ReplicasByPolicy(SimulationResult result)
    {
        var time = TimeAxis.For(result.DurationSeconds);
        var colours = Colours(result);
        var panels = Enumerable.Range(0, result.Policies.Count).Where(i => !result.Policies[i].IsOracle).ToList();
        if (panels.Count == 0)
        {
            panels = [.. Enumerable.Range(0, result.Policies.Count)];
        }

        var lines = panels.Select(i => (Ready: Thin(result.Policies[i].Series, time, p => p.ReadyReplicas), Needed: Thin(result.Policies[i].Series, time, p => p.OracleReplicas))).ToList();
        var maxReplicas = Math.Max(1, lines.Select(l => Math.Max(Max(l.Ready.Ys), Max(l.Needed.Ys))).DefaultIfEmpty(1).Max());
        var plots = new List<Plot>(panels.Count);
        for (var k = 0; k < panels.Count; k++)
        {
            var run = result.Policies[panels[k]];
            var last = k == panels.Count - 1;
            var plot = NewPlot(string.Empty, last ? time.Label : string.Empty, "replicas", legend: false);
            plot.Title(PanelTitle(result, run), 20);
            if (!run.IsOracle && !run.Score.MeetsSlo)
            {
                plot.Axes.Title.Label.ForeColor = s_sloColor;
            }

            AddReplicaLine(plot, lines[k].Needed.Xs, lines[k].Needed.Ys, s_oracleColor, "needed (oracle)", dashed: true);
            AddReplicaLine(plot, lines[k].Ready.Xs, lines[k].Ready.Ys, colours[panels[k]], "ready replicas", dashed: false);

            // The same legend in every panel keeps the data areas the same width, so the panels line up.
            plot.ShowLegend(Edge.Right);
            plot.Legend.FontSize = 15;
            plot.Axes.SetLimitsX(0, Math.Max(result.DurationSeconds, 1) / time.SecondsPerUnit);
            plot.Axes.SetLimitsY(0, Math.Ceiling(maxReplicas * 1.1) + 0.5);
            plots.Add(plot);
        }

        var multiplot = new Multiplot(plots[0]) { Layout = new PanelRows() };
        foreach (var plot in plots.Skip(1))
        {
            multiplot.AddPlot(plot);
        }

        using var image = multiplot.Render(Width, (PanelHeight * panels.Count) + PanelRows.AxisLabelHeight);
        return image.GetImageBytes(ImageFormat.Png, 100);
    }

    /// <summary>Height of one panel of <see cref="ReplicasByPolicy"/>.</summary>
    public const int PanelHeight = 250;

    /// <summary>Equal panels stacked, the last one taller by the time axis' label it alone carries, so all the data areas match.</summary>
    private sealed class PanelRows : IMultiplotLayout
    {
        public const int AxisLabelHeight = 30;

        public PixelRect[] GetSubplotRectangles(SubplotCollection subplots, PixelRect figureRect)
        {
            var count = subplots.Count;
            var height = (figureRect.Height - AxisLabelHeight) / Math.Max(1, count);
            var rectangles = new PixelRect[count];
            for (var i = 0; i < count; i++)
            {
                var top = figureRect.Top + (i * height);
                var bottom = top + height + (i == count - 1 ? AxisLabelHeight : 0);
                rectangles[i] = new PixelRect(figureRect.Left, figureRect.Right, bottom, top);
            }

            return rectangles;
        }
    }

    private static string PanelTitle(SimulationResult result, PolicyRun run)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        var violation = run.Score.SloViolationPercent.ToString("0.##", c);
        return run.IsOracle ? $"{run.Score.Policy}: the bound"
            : !run.Score.MeetsSlo ? $"{run.Score.Policy}: fails the SLO ({violation} % of the run in violation, {(run.Score.ErrorRate * 100).ToString("0.##", c)} % dropped)"
            : ReferenceEquals(run, result.Best) ? $"{run.Score.Policy}: best, the cheapest that meets the SLO ({Format(run.Score.CostRatioToOracle)}× the oracle)"
            : $"{run.Score.Policy}: meets the SLO ({Format(run.Score.CostRatioToOracle)}× the oracle)";
    }

    /// <summary>Latency (the SLO's statistic) per policy against the SLO bound.</summary>
    public static byte[] Latency(SimulationResult result)
    {
        var time = TimeAxis.For(result.DurationSeconds);
        var p95 = result.Slo.Statistic == LatencyStatistic.P95;
        var statistic = result.Slo.Statistic.Label();
        var (scale, unit) = result.Slo.LatencySeconds < 2 ? (1000.0, "ms") : (1.0, "s");
        var plot = NewPlot($"{(p95 ? "p95" : "Mean")} latency against the SLO", time.Label, $"{statistic} latency ({unit})");

        var bound = result.Slo.LatencySeconds * scale;
        var highest = 0.0;
        var colours = Colours(result);
        for (var i = 0; i < result.Policies.Count; i++)
        {
            var run = result.Policies[i];
            var (xs, ys) = Thin(run.Series, time, p => (p95 ? p.P95LatencySeconds : p.MeanLatencySeconds) * scale);
            var line = plot.Add.ScatterLine(xs, ys, colours[i]);
            line.LegendText = Name(result, run);
            line.LineWidth = run.IsOracle ? 1 : 1.5f;

            highest = Math.Max(highest, Max(ys));
        }

        var slo = plot.Add.HorizontalLine(bound, 2, s_sloColor, LinePattern.Dashed);
        slo.LegendText = $"SLO ({Format(bound)} {unit})";

        // Overloaded queues give latencies many times the bound; past a few times it, the scale would hide the rest.
        var clip = bound * 4;
        var top = bound > 0 ? Math.Max(bound * 1.5, Math.Min(highest, clip) * 1.1) : Math.Max(highest * 1.1, 1);
        if (bound > 0 && highest > clip)
        {
            plot.Axes.Left.Label.Text += $", clipped at {Format(clip)}";
        }

        plot.Axes.SetLimitsX(0, Math.Max(result.DurationSeconds, 1) / time.SecondsPerUnit);
        plot.Axes.SetLimitsY(0, top, plot.Axes.Left);
        return Png(plot);
    }

    /// <summary>Cost per policy as a ratio to the oracle's (replica-seconds when no ratio is known).</summary>
    public static byte[] Cost(SimulationResult result)
    {
        var ratios = result.Policies.All(p => double.IsFinite(p.Score.CostRatioToOracle) && p.Score.CostRatioToOracle >= 0)
            && result.Policies.Any(IsOracle);
        var plot = NewPlot(ratios ? "Cost relative to the oracle" : "Replica-seconds", string.Empty, ratios ? "cost / oracle cost" : "replica-seconds", legend: false);

        var bars = new List<Bar>(result.Policies.Count);
        var positions = new double[result.Policies.Count];
        var names = new string[result.Policies.Count];
        var colours = Colours(result);
        var highest = 0.0;
        for (var i = 0; i < result.Policies.Count; i++)
        {
            var run = result.Policies[i];
            var value = ratios ? run.Score.CostRatioToOracle : Math.Max(0, run.Score.ReplicaSeconds);
            value = double.IsFinite(value) ? value : 0;
            var bar = new Bar
            {
                Position = i,
                Value = value,
                FillColor = colours[i],
                LineWidth = 0,
                Label = ratios ? $"{Format(value)}×" : HtmlReport.Number(value, "#,0"),
            };
            if (!run.IsOracle && !run.Score.MeetsSlo)
            {
                // A cheap bar that breaks the SLO must not look like a bargain: striped, outlined in the SLO's red.
                bar.FillHatch = new ScottPlot.Hatches.Striped();
                bar.FillHatchColor = Colors.White.WithAlpha(0.6);
                bar.LineColor = s_sloColor;
                bar.LineWidth = 3;
            }

            bars.Add(bar);
            positions[i] = i;
            var name = Name(result, run);
            var open = name.IndexOf(" (", StringComparison.Ordinal);
            names[i] = open < 0 ? name : $"{name[..open]}\n{name[(open + 1)..]}";
            highest = Math.Max(highest, value);
        }

        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 18;
        if (ratios)
        {
            var one = plot.Add.HorizontalLine(1, 1, s_oracleColor, LinePattern.Dotted);
            one.LegendText = "oracle = 1";
        }

        plot.Axes.Bottom.SetTicks(positions, names);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.SetLimitsX(-0.6, Math.Max(result.Policies.Count, 1) - 0.4);
        plot.Axes.SetLimitsY(0, highest > 0 ? highest * 1.15 : 1);
        return Png(plot);
    }

    internal static Plot NewPlot(string title, string xLabel, string yLabel, bool legend = true)
    {
        // The report shows two charts side by side, at about two thirds of their size: the text is large to stay legible.
        var plot = new Plot();
        plot.Font.Set(s_font.Value);
        plot.Title(title, 24);
        plot.XLabel(xLabel, 19);
        plot.YLabel(yLabel, 19);
        plot.Axes.Right.Label.FontSize = 19;
        foreach (var axis in plot.Axes.GetAxes())
        {
            axis.TickLabelStyle.FontSize = 16;
        }

        if (legend)
        {
            plot.ShowLegend(Edge.Bottom);
            plot.Legend.FontSize = 17;
        }

        return plot;
    }

    private static void AddReplicaLine(Plot plot, double[] xs, double[] ys, Color color, string name, bool dashed)
    {
        var line = plot.Add.ScatterLine(xs, ys, color);
        line.ConnectStyle = ConnectStyle.StepHorizontal;
        line.LegendText = name;
        line.LineWidth = dashed ? 1.5f : 2;
        if (dashed)
        {
            line.LinePattern = LinePattern.Dashed;
        }
    }

    private static (double[] Xs, double[] Ys) Thin(IReadOnlyList<SeriesPoint> series, TimeAxis time, Func<SeriesPoint, double> value)
    {
        var xs = new double[series.Count];
        var ys = new double[series.Count];
        for (var i = 0; i < series.Count; i++)
        {
            xs[i] = series[i].Seconds / time.SecondsPerUnit;
            ys[i] = value(series[i]);
        }

        return SeriesDownsampler.Thin(xs, ys);
    }

    private static double Max(double[] ys)
    {
        var max = 0.0;
        foreach (var y in ys)
        {
            max = Math.Max(max, y);
        }

        return max;
    }

    internal static string Format(double value) => HtmlReport.Number(value, value >= 100 ? "0" : value >= 10 ? "0.#" : "0.##");

    internal static byte[] Png(Plot plot) => plot.GetImageBytes(Width, Height, ImageFormat.Png);
}
