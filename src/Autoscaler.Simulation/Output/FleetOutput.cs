using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autoscaler.Simulation.Results;

namespace Autoscaler.Simulation.Output;

/// <summary>
/// Writes a run of several services: per service, what a single-service run writes (<c>SERVICE/summary.json</c> and
/// one CSV per policy, from the run with the cap when it ran); at the top, <c>summary.json</c> (the cap, the totals
/// and every service's scores with the cap and without it), <c>totals.csv</c> (every service together over time) and
/// <c>fleet-cap.csv</c> (each evaluation the cap cut).
/// </summary>
public static class FleetOutput
{
    /// <summary>Every service's replicas together over time.</summary>
    public const string TotalsFile = "totals.csv";

    /// <summary>The evaluations the cap cut.</summary>
    public const string DecisionsFile = "fleet-cap.csv";

    /// <summary>Header of <see cref="TotalsFile"/>.</summary>
    public const string TotalsHeader = "cap,policy,seconds,ready_replicas,target_replicas,oracle_replicas";

    /// <summary>Header of <see cref="DecisionsFile"/>.</summary>
    public const string DecisionsHeader = "seconds,service,policy,current,wanted,granted,reason";

    /// <summary>Writes the files into <paramref name="directory"/> (created if missing); returns the paths written.</summary>
    public static IReadOnlyList<string> Write(FleetResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        var files = new List<(string Path, string Text)>
        {
            (Path.Combine(directory, SimulationOutput.SummaryFile), Summary(result)),
            (Path.Combine(directory, TotalsFile), Totals(result)),
            (Path.Combine(directory, DecisionsFile), Decisions(result)),
        };

        // Everything rendered first, so that a failure leaves no half of it.
        var written = new List<string>();
        foreach (var service in result.Main.Services)
        {
            written.AddRange(SimulationOutput.Write(service, Path.Combine(directory, service.Scenario)));
        }

        Directory.CreateDirectory(directory);
        foreach (var (path, text) in files)
        {
            File.WriteAllText(path, text);
            written.Add(path);
        }

        return written;
    }

    /// <summary>
    /// The text of the top <c>summary.json</c>: the run, the cap (<c>totalReplicas</c>, null for none), how long the
    /// oracles together need more (<c>oraclesOverCapSeconds</c>), and for <c>withCap</c> and <c>withoutCap</c> (null when
    /// not run) the totals per policy and each service's summary as its own <c>summary.json</c> has it.
    /// </summary>
    public static string Summary(FleetResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        JsonNode? Outcome(FleetOutcome? outcome) => outcome is null ? null : new JsonObject
        {
            ["totals"] = new JsonArray([.. outcome.Totals.Select(t => JsonSerializer.SerializeToNode(t, SimulationOutput.Json))]),
            ["services"] = new JsonArray([.. outcome.Services.Select(s =>
            {
                var node = JsonNode.Parse(SimulationOutput.Summary(s))!.AsObject();
                node.Remove("scenario");
                node.Remove("version");
                node.Remove("wallSeconds");
                return (JsonNode)new JsonObject { ["service"] = s.Scenario }.Also(node);
            })]),
        };

        var document = new JsonObject
        {
            ["scenario"] = result.Scenario,
            ["version"] = result.Version,
            ["seed"] = result.Seed,
            ["durationSeconds"] = result.DurationSeconds,
            ["stepSeconds"] = result.StepSeconds,
            ["slo"] = JsonSerializer.SerializeToNode(result.Slo, SimulationOutput.Json),
            ["costPerReplicaHour"] = result.CostPerReplicaHour,
            ["services"] = new JsonArray([.. result.ServiceNames.Select(n => (JsonNode?)JsonValue.Create(n))]),
            ["totalReplicas"] = result.TotalReplicas,
            ["oraclesOverCapSeconds"] = result.OraclesOverCapSeconds,
            ["oraclesMostReplicas"] = result.OraclesMostReplicas,
            ["wallSeconds"] = result.WallSeconds,
            ["withCap"] = Outcome(result.WithCap),
            ["withoutCap"] = Outcome(result.WithoutCap),
        };
        return document.ToJsonString(SimulationOutput.Json) + "\n";
    }

    /// <summary>Every run's totals over time, one row per run and point; <c>cap</c> is <c>on</c> or <c>off</c>.</summary>
    public static string Totals(FleetResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder(TotalsHeader).Append('\n');
        foreach (var outcome in new[] { result.WithCap, result.WithoutCap }.OfType<FleetOutcome>())
        {
            foreach (var total in outcome.Totals)
            {
                foreach (var p in total.Series)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{(outcome.Capped ? "on" : "off")},{total.Policy},{p.Seconds:R},{p.ReadyReplicas},{p.TargetReplicas},{p.OracleReplicas}\n");
                }
            }
        }

        return text.ToString();
    }

    /// <summary>The evaluations the cap cut (at most <see cref="FleetResult.MaxDecisionsKept"/> per service and run).</summary>
    public static string Decisions(FleetResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder(DecisionsHeader).Append('\n');
        foreach (var d in result.WithCap?.Totals.SelectMany(t => t.Decisions) ?? [])
        {
            text.Append(CultureInfo.InvariantCulture, $"{d.Seconds:R},{d.Service},{d.Policy},{d.Current},{d.Wanted},{d.Granted},\"{d.Reason.Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n");
        }

        return text.ToString();
    }

    private static JsonObject Also(this JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source.ToList())
        {
            source.Remove(key);
            target[key] = value;
        }

        return target;
    }
}
