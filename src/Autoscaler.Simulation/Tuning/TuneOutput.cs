using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autoscaler.Core;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Time;
using Autoscaler.Simulation.Results;

namespace Autoscaler.Simulation.Tuning;

/// <summary>
/// The text files of <c>autoscaler tune</c>: <c>best.yaml</c> (the policy to keep, our format, with a comment block
/// saying where it came from and how it scored), <c>pareto.csv</c> (every candidate run on the search part),
/// <c>summary.json</c> and, with <c>--export</c>, the same policy as a HorizontalPodAutoscaler or a ScaledObject.
/// Everything but <c>summary.json</c>'s <c>wallSeconds</c> is the same, byte for byte, for the same inputs and seed.
/// </summary>
public static class TuneOutput
{
    /// <summary>The policy to keep.</summary>
    public const string BestFile = "best.yaml";

    /// <summary>Every candidate run on the search part, the Pareto front marked.</summary>
    public const string ParetoFile = "pareto.csv";

    /// <summary>The search and the held part's verdict, for scripts.</summary>
    public const string SummaryFile = "summary.json";

    /// <summary>The file <c>--export FORMAT</c> writes: <c>best-hpa.yaml</c> or <c>best-keda.yaml</c>.</summary>
    public static string ExportFile(string format) => $"best-{format}.yaml";

    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    /// <summary>
    /// The files' contents by name, rendered before anything is written (so a failure leaves no half of them):
    /// best.yaml, pareto.csv, summary.json and, when <paramref name="export"/> is hpa or keda, its file.
    /// </summary>
    /// <exception cref="PolicyFileException">The chosen policy cannot be exported in that format (e.g. a threshold rule).</exception>
    public static IReadOnlyList<(string File, string Text)> Render(TuneResult result, string? export = null, ExportOptions? exportOptions = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var files = new List<(string, string)>
        {
            (BestFile, Best(result)),
            (ParetoFile, Pareto(result)),
            (SummaryFile, Summary(result)),
        };
        if (export is not null)
        {
            files.Add((ExportFile(export), KubernetesFormats.Write(result.Chosen, export, exportOptions)));
        }

        return files;
    }

    /// <summary>The parameters whose tuned value differs from the original's, in the space's order.</summary>
    public static IEnumerable<(TunableParameter Parameter, double Original, double Tuned)> Changed(TuneResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Space.Parameters
            .Select(p => (p, p.Round(p.Value), result.Best.Values[p.Name]))
            .Where(c => c.Item2 != c.Item3);
    }

    /// <summary>What the held part says, in one sentence: which policy is kept and why.</summary>
    public static string Verdict(TuneResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var c = CultureInfo.InvariantCulture;
        var kept = result.Improved
            ? string.Create(c, $"tuned policy kept: on the held part it costs {result.BestHeld.CostRatioToOracle:0.000}× the oracle against the original's {result.OriginalHeld.CostRatioToOracle:0.000}×")
            : !Changed(result).Any()
                ? "original kept: the search found nothing better than the policy as written"
                : string.Create(c, $"original kept: the tuned policy is not better on the held part ({result.BestHeld.CostRatioToOracle:0.000}× the oracle, {result.BestHeld.SloViolationPercent:0.00} % in violation, against the original's {result.OriginalHeld.CostRatioToOracle:0.000}×, {result.OriginalHeld.SloViolationPercent:0.00} %)");
        var breaches = result.Objective.Slo.Breaches(result.ChosenHeld);
        return breaches.Count == 0 ? kept : $"{kept}; it does not meet the objective there: {string.Join("; ", breaches)}";
    }

    private static string Best(TuneResult result)
    {
        var c = CultureInfo.InvariantCulture;
        var s = result.Scenario;
        var o = result.Options;
        var text = new StringBuilder();
        void Line(string line) => text.Append("# ").Append(line).Append('\n');
        Line($"Tuned by autoscaler tune ({BuildInfo.Description}).");
        Line(string.Create(c, $"Scenario: {s.Name}, {Durations.Humanize(s.Duration)} at a {Durations.Humanize(s.Step)} step, seed {s.Seed}."));
        Line(string.Create(c, $"Split: the search saw the first {Durations.Humanize(result.Split.At)}; the last {Durations.Humanize(result.Split.Held)} (--validate-fraction {o.ValidateFraction}) was held back and scores the result."));
        Line($"Objective: the fewest replica-seconds that meet the SLO ({result.Objective.Slo.Describe()}); then fewer scale actions.");
        Line(string.Create(c, $"Search: {result.Tried} candidates of at most {o.Candidates} (--candidates), --seed {o.Seed}; {result.Candidates.Count} of them ran on the whole search part; {result.Simulated} simulations in all."));
        foreach (var warning in result.Warnings)
        {
            Line($"Warning: {warning}.");
        }

        Line("Held part (never seen by the search):");
        Line($"  original: {Scores(result.OriginalHeld)}");
        Line($"  tuned:    {Scores(result.BestHeld)}");
        Line(Verdict(result) + ".");
        var changed = Changed(result).ToList();
        if (changed.Count > 0)
        {
            Line(result.Improved ? "Changed from the original:" : "The tuned policy (not kept) changed:");
            foreach (var (p, from, to) in changed)
            {
                Line($"  {p.Name}: {p.Format(from)} -> {p.Format(to)}");
            }
        }

        return text.Append(PolicyFile.Write(result.Chosen)).ToString();
    }

    private static string Scores(PolicyScore score) => string.Create(CultureInfo.InvariantCulture,
        $"{score.CostRatioToOracle:0.000}x the oracle's replica-seconds, SLO violated {score.SloViolationPercent:0.00} % of the time, {score.ErrorRate * 100:0.00} % dropped, {score.ScaleActions} scale actions");

    private static string Pareto(TuneResult result)
    {
        var c = CultureInfo.InvariantCulture;
        var parameters = result.Space.Parameters;
        var text = new StringBuilder("candidate,on_front,original,best,meets_objective,cost_ratio_to_oracle,slo_violation_percent,error_rate,replica_seconds,scale_actions");
        foreach (var p in parameters)
        {
            text.Append(',').Append(Csv(p.Name));
        }

        text.Append('\n');
        var original = parameters.Select(p => p.Round(p.Value)).ToArray();
        foreach (var candidate in result.Candidates.OrderBy(x => x.Id))
        {
            var s = candidate.Score;
            var isOriginal = parameters.Select(p => candidate.Values[p.Name]).SequenceEqual(original);
            text.Append(string.Create(c, $"{candidate.Id},{Flag(candidate.OnFront)},{Flag(isOriginal)},{Flag(candidate.Id == result.Best.Id)},{Flag(result.Objective.Accepts(s))},{s.CostRatioToOracle:R},{s.SloViolationPercent:R},{s.ErrorRate:R},{s.ReplicaSeconds:R},{s.ScaleActions}"));
            foreach (var p in parameters)
            {
                text.Append(',').Append(candidate.Values[p.Name].ToString("R", c));
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    private static string Flag(bool value) => value ? "1" : "0";

    private static string Csv(string field) => field.Contains(',', StringComparison.Ordinal) || field.Contains('"', StringComparison.Ordinal)
        ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\""
        : field;

    /// <summary>The text of <c>summary.json</c>.</summary>
    public static string Summary(TuneResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        JsonNode? Score(PolicyScore score)
        {
            var node = JsonSerializer.SerializeToNode(score, s_json)!.AsObject();
            node["meetsObjective"] = result.Objective.Accepts(score);
            node["breaches"] = new JsonArray([.. result.Objective.Slo.Breaches(score).Select(b => (JsonNode?)JsonValue.Create(b))]);
            return node;
        }

        var parameters = new JsonArray();
        foreach (var p in result.Space.Parameters)
        {
            parameters.Add(new JsonObject
            {
                ["name"] = p.Name,
                ["kind"] = p.Kind.ToString().ToLowerInvariant(),
                ["original"] = p.Round(p.Value),
                ["tuned"] = result.Best.Values[p.Name],
                ["searchMin"] = p.SearchMin,
                ["searchMax"] = p.SearchMax,
                ["fixed"] = p.IsFixed,
            });
        }

        var document = new JsonObject
        {
            ["scenario"] = result.Scenario.Name,
            ["version"] = BuildInfo.Description,
            ["seed"] = result.Scenario.Seed,
            ["searchSeed"] = result.Options.Seed,
            ["durationSeconds"] = result.Scenario.Duration.TotalSeconds,
            ["stepSeconds"] = result.Scenario.Step.TotalSeconds,
            ["searchSeconds"] = result.Split.At.TotalSeconds,
            ["heldSeconds"] = result.Split.Held.TotalSeconds,
            ["validateFraction"] = result.Options.ValidateFraction,
            ["maxViolationPercent"] = result.Options.MaxViolationPercent,
            ["maxErrorRate"] = result.Scenario.Slo.MaxErrorRate,
            ["candidatesBudget"] = result.Options.Candidates,
            ["candidatesTried"] = result.Tried,
            ["candidates"] = result.Candidates.Count,
            ["simulations"] = result.Simulated,
            ["simulatedSeconds"] = result.SimulatedSeconds,
            ["wallSeconds"] = result.WallSeconds,
            ["improved"] = result.Improved,
            ["kept"] = result.Improved ? "tuned" : "original",
            ["verdict"] = Verdict(result),
            ["search"] = new JsonObject { ["original"] = Score(result.OriginalSearch), ["tuned"] = Score(result.Best.Score) },
            ["held"] = new JsonObject { ["original"] = Score(result.OriginalHeld), ["tuned"] = Score(result.BestHeld), ["oracle"] = JsonSerializer.SerializeToNode(result.OracleHeld, s_json) },
            ["parameters"] = parameters,
            ["warnings"] = new JsonArray([.. result.Warnings.Select(w => (JsonNode?)JsonValue.Create(w))]),
            ["refused"] = new JsonArray([.. result.Refused.Select(r => (JsonNode?)JsonValue.Create(r))]),
        };
        return document.ToJsonString(s_json) + "\n";
    }
}
