using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Autoscaler.Simulation.Results;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Simulation.Output;

/// <summary>
/// Writes a run's files: <c>summary.json</c> (the scores, camelCase, with <c>wallSeconds</c>, <c>best</c> and <c>policies</c>)
/// and one CSV time series per policy (<c>POLICY.csv</c>).
/// </summary>
public static class SimulationOutput
{
    /// <summary>File name of the scores.</summary>
    public const string SummaryFile = "summary.json";

    /// <summary>Header of each policy's CSV series.</summary>
    public const string CsvHeader = "seconds,demand_rps,ready_replicas,desired_replicas,oracle_replicas,throughput_rps,dropped_rps,mean_latency_seconds,p95_latency_seconds,queue_length";

    /// <summary>How every summary.json is written: camelCase, indented, enums as camelCase strings.</summary>
    internal static readonly JsonSerializerOptions Json = new()
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

    /// <summary>
    /// The text of <c>summary.json</c>: the run, the tool's version, the oracle's most replicas (<c>maxReplicas</c>) and
    /// how long not even they keep the SLO (<c>sloOutOfReachSeconds</c>), the best policy (null when none meets the SLO) and,
    /// per policy, its scores, why it breaks the SLO (<c>sloBreaches</c>, empty when it meets it) and the parameters it
    /// ran with (the policy file's fields, defaults filled in).
    /// </summary>
    public static string Summary(SimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var policies = new JsonArray();
        foreach (var run in result.Policies)
        {
            var item = JsonSerializer.SerializeToNode(run.Score, Json)!.AsObject();
            item.Add("sloBreaches", new JsonArray([.. result.Slo.Breaches(run.Score).Select(b => (JsonNode?)JsonValue.Create(b))]));
            item.Add("parameters", Parameters(run.Parameters));
            policies.Add(item);
        }

        var document = new JsonObject
        {
            ["scenario"] = result.Scenario,
            ["version"] = result.Version,
            ["seed"] = result.Seed,
            ["durationSeconds"] = result.DurationSeconds,
            ["stepSeconds"] = result.StepSeconds,
            ["slo"] = JsonSerializer.SerializeToNode(result.Slo, Json),
            ["costPerReplicaHour"] = result.CostPerReplicaHour,
            ["maxReplicas"] = result.MaxReplicas,
            ["sloOutOfReachSeconds"] = result.SloOutOfReachSeconds,
            ["sloOutOfReachPercent"] = result.SloOutOfReachPercent,
            ["wallSeconds"] = result.WallSeconds,
            ["best"] = result.Best?.Score.Policy,
            ["policies"] = policies,
        };
        return document.ToJsonString(Json) + "\n";
    }

    // The policy-file YAML as JSON: mappings, lists, and plain scalars that read as numbers or booleans typed as such.
    private static JsonNode? Parameters(string yaml)
    {
        if (string.IsNullOrWhiteSpace(yaml))
        {
            return null;
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return ToJson(stream.Documents[0].RootNode);
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value ?? "", ToJson(c.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: { } text } when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) => JsonValue.Create(number),
        YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: "true" or "false" } flag => JsonValue.Create(flag.Value == "true"),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => null,
    };

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
}
