using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using Autoscaler.Simulation.Results;

namespace Autoscaler.Simulation.Reports;

/// <summary>Writes a simulation's charts (PNG) and one self-contained <c>report.html</c> into a directory.</summary>
public static class HtmlReport
{
    /// <summary>The self-contained HTML report.</summary>
    public const string ReportFileName = "report.html";

    /// <summary>Demand and ready replicas per policy over time, with the oracle's count (the busiest day of a run longer than two days).</summary>
    public const string DemandAndReplicasChartFileName = "demand-and-replicas.png";

    /// <summary>Latency (the SLO's statistic) per policy over time against the SLO bound.</summary>
    public const string LatencyChartFileName = "latency.png";

    /// <summary>Cost per policy relative to the oracle.</summary>
    public const string CostChartFileName = "cost.png";

    /// <summary>Small multiples: one panel per policy with its ready replicas against what the oracle needs.</summary>
    public const string ReplicasByPolicyChartFileName = "replicas-by-policy.png";

    /// <summary>
    /// Renders the charts and the report and writes them into <paramref name="directory"/>, creating it if needed.
    /// Everything is rendered before the first file is written, and each file replaces the old one whole.
    /// Returns the paths written: the charts, then the report.
    /// </summary>
    /// <exception cref="ReportOutputException">The directory cannot be created or written; the message names it.</exception>
    public static IReadOnlyList<string> Write(SimulationResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);

        var charts = RenderCharts(result);
        var html = ReportHtml.Render(result, charts);
        return WriteFiles(directory, [.. charts.Select(c => (c.FileName, c.Png)), (ReportFileName, Utf8(html))], "simulation report");
    }

    /// <summary>The report's charts of <paramref name="result"/>, rendered side by side.</summary>
    internal static ReportChart[] RenderCharts(SimulationResult result)
    {
        // The charts are independent and each takes a good share of the report's time; render them side by side.
        byte[] demand = [], latency = [], cost = [], panels = [];
        try
        {
            Parallel.Invoke(
                () => demand = SimulationCharts.DemandAndReplicas(result),
                () => latency = SimulationCharts.Latency(result),
                () => cost = SimulationCharts.Cost(result),
                () => panels = SimulationCharts.ReplicasByPolicy(result));
        }
        catch (AggregateException e)
        {
            // Callers see the failure itself (say, Skia's native library missing), not the parallel wrapper.
            ExceptionDispatchInfo.Throw(e.Flatten().InnerExceptions[0]);
        }

        return
        [
            new(DemandAndReplicasChartFileName, SimulationCharts.DemandTitle(result), demand),
            new(LatencyChartFileName, "Latency against the SLO", latency),
            new(CostChartFileName, "Cost relative to the oracle", cost),
            new(ReplicasByPolicyChartFileName, "Ready replicas of each policy against the replicas the oracle needs", panels) { Wide = true },
        ];
    }

    /// <summary>UTF-8 without a byte-order mark, as the report is written.</summary>
    internal static byte[] Utf8(string text) => new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);

    /// <summary>
    /// Writes already rendered files into <paramref name="directory"/>, creating it if needed, each replacing the old
    /// one whole; returns their paths in order.
    /// </summary>
    /// <exception cref="ReportOutputException">The directory cannot be created or written; the message names it and <paramref name="what"/>.</exception>
    internal static IReadOnlyList<string> WriteFiles(string directory, IReadOnlyList<(string FileName, byte[] Content)> files, string what)
    {
        var path = directory;
        try
        {
            path = Path.GetFullPath(directory);
            Directory.CreateDirectory(path);
            var written = new List<string>();
            foreach (var (fileName, content) in files)
            {
                written.Add(Path.Combine(path, fileName));
                WriteReplacing(written[^1], content);
            }

            return written;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReportOutputException(
                $"cannot write the {what} to '{path}' ({e.Message.TrimEnd('.')}); choose a writable output directory",
                e);
        }
    }

    internal static string Number(double value, string format) => value switch
    {
        double.NaN => "–",
        double.PositiveInfinity => "∞",
        double.NegativeInfinity => "−∞",
        0 => 0d.ToString(format, CultureInfo.InvariantCulture), // never "-0"
        _ => value.ToString(format, CultureInfo.InvariantCulture),
    };

    private static void WriteReplacing(string path, byte[] content)
    {
        var temporary = path + ".tmp";
        try
        {
            File.WriteAllBytes(temporary, content);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>One rendered chart: where it goes, what it shows, its PNG bytes.</summary>
internal sealed record ReportChart(string FileName, string Title, byte[] Png)
{
    /// <summary>Shown across the page rather than beside another chart.</summary>
    public bool Wide { get; init; }
}
