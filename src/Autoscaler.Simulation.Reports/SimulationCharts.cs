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

    public static bool IsOracle(PolicyRun run) => string.Equals(run.Score.Policy, BuiltInPolicies.Oracle, StringComparison.Ordinal);

    /// <summary>Demand on the right axis, ready replicas per policy and the oracle's count on the left.</summary>
    public static byte[] DemandAndReplicas(SimulationResult result)
    {
        var time = TimeAxis.For(result.DurationSeconds);
        var plot = NewPlot("Demand and ready replicas", time.Label, "ready replicas");
        var right = plot.Axes.Right;
        right.Label.Text = "demand (rps)";

        var maxDemand = 0.0;
        var maxReplicas = 1.0;
        var reference = result.Policies.FirstOrDefault(p => p.Series.Count > 0);
        if (reference is not null)
        {
            var (xs, ys) = Thin(reference.Series, time, p => p.DemandRps);
            var demand = plot.Add.ScatterLine(xs, ys, s_demandColor);
            demand.LegendText = "demand (right axis)";
            demand.LineWidth = 1.5f;
            demand.Axes.YAxis = right;
            maxDemand = Max(ys);
        }

        var colour = 0;
        var oracleDrawn = false;
        foreach (var run in result.Policies)
        {
            var oracle = IsOracle(run);
            var (xs, ys) = Thin(run.Series, time, p => p.ReadyReplicas);
            AddReplicaLine(plot, xs, ys, oracle ? s_oracleColor : s_palette[colour++ % s_palette.Length], run.Score.Policy, oracle);
            oracleDrawn |= oracle;
            maxReplicas = Math.Max(maxReplicas, Max(ys));
        }

        // Without an oracle run, the count it would have run is still in every series.
        if (!oracleDrawn && reference is not null)
        {
            var (xs, ys) = Thin(reference.Series, time, p => p.OracleReplicas);
            AddReplicaLine(plot, xs, ys, s_oracleColor, "oracle (needed)", dashed: true);
            maxReplicas = Math.Max(maxReplicas, Max(ys));
        }

        plot.Axes.SetLimitsX(0, Math.Max(result.DurationSeconds, 1) / time.SecondsPerUnit);
        plot.Axes.SetLimitsY(0, Math.Ceiling(maxReplicas * 1.1) + 0.5, plot.Axes.Left);
        plot.Axes.SetLimitsY(0, maxDemand > 0 ? maxDemand * 1.1 : 1, right);
        return Png(plot);
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
        var colour = 0;
        foreach (var run in result.Policies)
        {
            var oracle = IsOracle(run);
            var (xs, ys) = Thin(run.Series, time, p => (p95 ? p.P95LatencySeconds : p.MeanLatencySeconds) * scale);
            var line = plot.Add.ScatterLine(xs, ys, oracle ? s_oracleColor : s_palette[colour++ % s_palette.Length]);
            line.LegendText = run.Score.Policy;
            line.LineWidth = oracle ? 1 : 1.5f;

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
        var colour = 0;
        var highest = 0.0;
        for (var i = 0; i < result.Policies.Count; i++)
        {
            var run = result.Policies[i];
            var oracle = IsOracle(run);
            var value = ratios ? run.Score.CostRatioToOracle : Math.Max(0, run.Score.ReplicaSeconds);
            value = double.IsFinite(value) ? value : 0;
            var fill = oracle ? s_oracleColor : s_palette[colour++ % s_palette.Length];
            bars.Add(new Bar
            {
                Position = i,
                Value = value,
                FillColor = fill,
                LineWidth = 0,
                Label = ratios ? $"{Format(value)}×" : HtmlReport.Number(value, "#,0"),
            });
            positions[i] = i;
            names[i] = run.Score.Policy;
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

    private static Plot NewPlot(string title, string xLabel, string yLabel, bool legend = true)
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

    private static string Format(double value) => HtmlReport.Number(value, value >= 100 ? "0" : value >= 10 ? "0.#" : "0.##");

    private static byte[] Png(Plot plot) => plot.GetImageBytes(Width, Height, ImageFormat.Png);
}
