using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Autoscaler.Simulation.Results;

namespace Autoscaler.Simulation.Output;

/// <summary>
/// Writes a run's files: <c>summary.json</c> (the scores, camelCase, with <c>wallSeconds</c> and <c>policies</c>)
/// and one CSV time series per policy (<c>POLICY.csv</c>).
/// </summary>
public static class SimulationOutput
{
    /// <summary>File name of the scores.</summary>
    public const string SummaryFile = "summary.json";

    /// <summary>Header of each policy's CSV series.</summary>
    public const string CsvHeader = "seconds,demand_rps,ready_replicas,desired_replicas,oracle_replicas,throughput_rps,dropped_rps,mean_latency_seconds,p95_latency_seconds,queue_length";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Writes <c>summary.json</c> and the CSV files into <paramref name="directory"/> (created if missing); returns the paths written.</summary>
    public static IReadOnlyList<string> Write(SimulationResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        var summary = Path.Combine(directory, SummaryFile);
        File.WriteAllText(summary, Summary(result));
        written.Add(summary);
        foreach (var run in result.Policies)
        {
            var csv = Path.Combine(directory, CsvFileName(run.Score.Policy));
            File.WriteAllText(csv, Csv(run.Series));
            written.Add(csv);
        }

        return written;
    }

    /// <summary>The text of <c>summary.json</c>.</summary>
    public static string Summary(SimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var document = new SummaryDocument(result.Scenario, result.Seed, result.DurationSeconds, result.StepSeconds, result.Slo, result.CostPerReplicaHour,
            result.WallSeconds, [.. result.Policies.Select(p => p.Score)]);
        return JsonSerializer.Serialize(document, Json) + "\n";
    }

    /// <summary>A policy's series as CSV.</summary>
    public static string Csv(IReadOnlyList<SeriesPoint> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var text = new StringBuilder(CsvHeader).Append('\n');
        foreach (var p in series)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{p.Seconds:R},{p.DemandRps:R},{p.ReadyReplicas},{p.DesiredReplicas},{p.OracleReplicas},{p.ThroughputRps:R},{p.DroppedRps:R},{p.MeanLatencySeconds:R},{p.P95LatencySeconds:R},{p.QueueLength:R}\n");
        }

        return text.ToString();
    }

    /// <summary>A file name for a policy's CSV: its name with anything but letters, digits, '-', '_' and '.' replaced.</summary>
    public static string CsvFileName(string policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var name = new string([.. policy.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
        return (name.Trim('.').Length == 0 ? "policy" : name) + ".csv";
    }

    private sealed record SummaryDocument(
        string Scenario,
        int Seed,
        double DurationSeconds,
        double StepSeconds,
        SloSpec Slo,
        double CostPerReplicaHour,
        double WallSeconds,
        IReadOnlyList<PolicyScore> Policies);
}
