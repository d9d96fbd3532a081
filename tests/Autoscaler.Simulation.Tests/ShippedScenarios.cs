using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Simulation.Tests;

/// <summary>The scenarios shipped in scenarios/, copied next to the tests.</summary>
internal static class ShippedScenarios
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "scenarios");

    public static IEnumerable<string> All() =>
        System.IO.Directory.GetFiles(Directory, "*.yaml").Order(StringComparer.Ordinal);

    /// <summary>The policy benchmark suite, scenarios/benchmark/ (bench/policies/run.sh).</summary>
    public static IEnumerable<string> Benchmark() =>
        System.IO.Directory.GetFiles(Path.Combine(Directory, "benchmark"), "*.yaml").Order(StringComparer.Ordinal);

    /// <summary>
    /// The held-out shapes, bench/policies/heldout/ (<c>SUITE=heldout bench/policies/run.sh</c>): scenarios the
    /// <c>slo</c> rule's defaults were not chosen on.
    /// </summary>
    public static IEnumerable<string> HeldOut() =>
        System.IO.Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "bench", "policies", "heldout"), "*.yaml").Order(StringComparer.Ordinal);

    public static string Named(string name) => Path.Combine(Directory, name);

    /// <summary>The highest rate of the scenario's workload, sampled at every step.</summary>
    public static double PeakDemand(Scenario scenario) => PeakRate(scenario.Workload, scenario);

    /// <summary>The highest rate of <paramref name="workload"/> over the scenario's steps.</summary>
    public static double PeakRate(IRatePattern workload, Scenario scenario)
    {
        var peak = 0.0;
        for (var t = TimeSpan.Zero; t < scenario.Duration; t += scenario.Step)
        {
            peak = Math.Max(peak, workload.RateAt(t));
        }

        return peak;
    }
}
