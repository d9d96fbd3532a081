using System.Text.Json;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Simulation.Runner;

namespace Autoscaler.Simulation.Tests.Runner;

/// <summary>
/// The simulator runs the scaler's own policy and behavior objects: a decision sequence recorded from a real
/// <c>autoscaler up</c> run (Fixtures/live-hpa-request-rate.json, commands inside) is reproduced exactly when its
/// readings are fed, at their recorded times, through <see cref="SimulatedScaler"/>, the path the runner evaluates with.
/// </summary>
public sealed class LiveReplayTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Runner", "Fixtures", name);

    [Fact]
    public void A_recorded_live_decision_sequence_is_reproduced_exactly()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Fixture("live-hpa-request-rate.json")));
        var root = document.RootElement;
        var policy = PolicyFiles.Load(Fixture(root.GetProperty("policy").GetString()!)).Spec!;
        var decisions = root.GetProperty("decisions").EnumerateArray().ToList();
        var causes = new HashSet<string>();

        var scaler = new SimulatedScaler(policy, decisions[0].GetProperty("decision").GetProperty("time").GetDateTimeOffset());
        foreach (var entry in decisions)
        {
            var decision = entry.GetProperty("decision");
            var time = decision.GetProperty("time").GetDateTimeOffset();
            var current = decision.GetProperty("currentReplicas").GetInt32();
            var readings = decision.GetProperty("readings").EnumerateArray().Select(Reading).ToArray();

            var result = scaler.Evaluate(time, current, readings);

            Assert.True(decision.GetProperty("desiredReplicas").GetInt32() == result.DesiredReplicas,
                $"{time:HH:mm:ss}: live {current} -> {decision.GetProperty("desiredReplicas").GetInt32()} ({decision.GetProperty("reason").GetString()}), simulated {result.DesiredReplicas} ({result.Cause})");
            Assert.Equal(decision.GetProperty("recommendation").GetInt32(), result.Recommendation);
            Assert.Equal(decision.GetProperty("cause").GetString(), result.Cause);
            causes.Add(result.Cause);
            if (entry.GetProperty("action") is { ValueKind: JsonValueKind.Object } action && action.GetProperty("succeeded").GetBoolean())
            {
                scaler.Applied(current, action.GetProperty("replicas").GetInt32());
            }
        }

        // The recording exercises more than the policy: missing data, a failed metric, stabilization, rate limits.
        Assert.Superset(new HashSet<string> { "no_data", "failed_metric", "policy", "stabilization", "rate_limit" }, causes);
        Assert.Contains(decisions, d => d.GetProperty("decision").GetProperty("direction").GetString() == "up");
        Assert.Contains(decisions, d => d.GetProperty("decision").GetProperty("direction").GetString() == "down");
    }

    private static MetricReading Reading(JsonElement r)
    {
        var metric = r.GetProperty("metric").GetString()!;
        if (r.GetProperty("value") is { ValueKind: JsonValueKind.Number } value)
        {
            return MetricReading.Ok(metric, value.GetDouble());
        }

        var failure = Enum.Parse<MetricFailureKind>(r.GetProperty("failure").GetString()!, ignoreCase: true);
        return MetricReading.Failed(metric, failure, r.GetProperty("message").GetString() ?? "");
    }
}
