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
        for (var k = 0; k < policies.Count; k++)
        {
            runs.Add(new PolicyRun(Score(policies[k], k), Series(points, durationSeconds, lag: k)));
        }

        return new SimulationResult(
            scenario,
            Seed: 42,
            durationSeconds,
            StepSeconds: 1,
            new SloSpec(0.25, statistic, 0.01),
            CostPerReplicaHour: 0.05,
            WallSeconds: 1.25,
            runs);
    }

    public static PolicyScore Score(string policy, int k) => new()
    {
        Policy = policy,
        ReplicaSeconds = 100_000 + (k * 10_000),
        Cost = 1.25 + k,
        CostRatioToOracle = 1 + (k * 0.125),
        SloViolationSeconds = 30 * k,
        SloViolationPercent = 0.5 * k,
        DroppedRequests = 1_000 * k,
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
