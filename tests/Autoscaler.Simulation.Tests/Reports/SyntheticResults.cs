using Autoscaler.Core.Queueing;
using Autoscaler.Simulation.Results;

namespace Autoscaler.Simulation.Tests.Reports;

/// <summary>Simulation results made up for the report's tests: a daily wave of demand and replicas that follow it.</summary>
internal static class SyntheticResults
{
    public static SimulationResult Make(
        IReadOnlyList<string>? policies = null,
        int points = 500,
        double durationSeconds = 86_400,
        LatencyStatistic statistic = LatencyStatistic.P95,
        string scenario = "diurnal")
    {
        policies ??= ["oracle", "threshold", "hpa", "predictive"];
        var runs = new List<PolicyRun>(policies.Count);
        var slo = new SloSpec(0.25, statistic, 0.01);
        for (var k = 0; k < policies.Count; k++)
        {
            runs.Add(new PolicyRun(Judged(Score(policies[k], k), slo), Series(points, durationSeconds, lag: k))
            {
                Parameters = $"minReplicas: 1\nmaxReplicas: {6 + k}\ncheckInterval: 10s\n",
            });
        }

        return new SimulationResult(
            scenario,
            Seed: 42,
            durationSeconds,
            StepSeconds: 1,
            slo,
            CostPerReplicaHour: 0.05,
            WallSeconds: 1.25,
            runs)
        {
            Version = "9.8.7+abcdef012345",
        };
    }

    /// <summary><paramref name="score"/> with its verdict, as the runner gives it.</summary>
    public static PolicyScore Judged(PolicyScore score, SloSpec slo) => score with { MeetsSlo = slo.Breaches(score).Count == 0 };

    /// <summary>
    /// Scores that grow with <paramref name="k"/>: cost, violation and latencies up, θO and τO down. Against the 1 %
    /// violation budget, k ≤ 2 meets the SLO and k = 3 (0.5 % × 3 of the run) fails it.
    /// </summary>
    public static PolicyScore Score(string policy, int k) => new()
    {
        Policy = policy,
        ReplicaSeconds = 100_000 + (k * 10_000),
        Cost = 1.25 + k,
        CostRatioToOracle = 1 + (k * 0.125),
        SloViolationSeconds = 30 * k,
        SloViolationPercent = 0.5 * k,
        DroppedRequests = 1_000 * k,
        OfferedRequests = 1_000_000,
        ErrorRate = 0.001 * k,
        ScaleActions = 10 + k,
        MeanLatencySeconds = 0.05 + (k * 0.01),
        P95LatencySeconds = 0.12 + (k * 0.01),
        UnderProvisioningAccuracy = 1.5 * k,
        OverProvisioningAccuracy = 9 - k,
        UnderProvisioningTimeshare = 2.5 * k,
        OverProvisioningTimeshare = 40 - k,
        Instability = 3.25,
    };

    public static List<SeriesPoint> Series(int points, double durationSeconds, int lag = 0)
    {
        var series = new List<SeriesPoint>(points);
        for (var i = 0; i < points; i++)
        {
            var t = durationSeconds * i / points;
            var demand = 200 + (150 * Math.Sin(2 * Math.PI * t / 86_400));
            var needed = (int)Math.Ceiling(demand / 40);
            var ready = Math.Max(1, (int)Math.Ceiling((200 + (150 * Math.Sin(2 * Math.PI * (t - (lag * 900)) / 86_400))) / 40));
            var latency = ready < needed ? 0.4 : 0.08;
            series.Add(new SeriesPoint(t, demand, ready, ready, needed, demand, 0, latency * 0.6, latency, ready * 2));
        }

        return series;
    }
}
