using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Queueing;
using Autoscaler.Simulation.Model;
using Autoscaler.Simulation.Observation;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Tuning;
using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Simulation.Tests.Tuning;

/// <summary>Issue 16: the search itself, on short histories made here.</summary>
public sealed class TunerTests
{
    private static PolicySpec HpaRequestRate(int maxReplicas = 12)
    {
        var spec = PolicyFiles.Load(Path.Combine(AppContext.BaseDirectory, "deploy", "policies", "hpa-request-rate.yaml")).Spec!;
        spec.MaxReplicas = maxReplicas;
        return spec;
    }

    // A service of 4 workers at 100 ms (40 req/s a replica), starting in 5 s; the SLO a mean of 300 ms.
    private static Scenario Scenario(IRatePattern workload, TimeSpan duration, int seed = 3) => new()
    {
        Name = "made-here",
        Duration = duration,
        Seed = seed,
        Workload = workload,
        Service = new ServiceModelSpec { Workers = 4, ServiceTime = TimeSpan.FromMilliseconds(100), QueueLimit = 100, StartupDelay = TimeSpan.FromSeconds(5), DrainTime = TimeSpan.FromSeconds(30) },
        Observation = new ObservationSpec { ScrapeInterval = TimeSpan.FromSeconds(5), Noise = 0.02 },
        Slo = new SloSpec(0.3, LatencyStatistic.Mean, 0.01),
        MinReplicas = 1,
        MaxReplicas = 12,
        InitialReplicas = 2,
    };

    // Four hours of a daily-like wave between 40 and 300 req/s with arrival noise.
    private static Scenario Wave(int seed = 3) => Scenario(
        new PoissonNoise(new SineRate(170, 130, TimeSpan.FromHours(2)), seed, TimeSpan.FromSeconds(1)), TimeSpan.FromHours(4), seed);

    [Fact]
    public void The_tuned_policy_is_cheaper_on_the_held_part_than_the_original_at_the_same_SLO()
    {
        var result = Tuner.Run(Wave(), HpaRequestRate(), new TuneOptions { Candidates = 40, Seed = 1 }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Improved, $"tuned {result.BestHeld.CostRatioToOracle:0.000}× / {result.BestHeld.SloViolationPercent:0.00} %, original {result.OriginalHeld.CostRatioToOracle:0.000}× / {result.OriginalHeld.SloViolationPercent:0.00} %");
        Assert.True(result.Objective.Accepts(result.BestHeld));
        Assert.True(result.BestHeld.ReplicaSeconds < result.OriginalHeld.ReplicaSeconds);
        Assert.Same(result.Best.Spec, result.Chosen);
        Assert.InRange(result.Simulated, 40, 200);
        Assert.InRange(result.Candidates.Count, 2, 40);
    }
}
