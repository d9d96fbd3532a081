using Autoscaler.Simulation.Scenarios;

namespace Autoscaler.Simulation.Tests;

/// <summary>The scenarios shipped in scenarios/, copied next to the tests.</summary>
internal static class ShippedScenarios
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "scenarios");

    public static IEnumerable<string> All() =>
        System.IO.Directory.GetFiles(Directory, "*.yaml").Order(StringComparer.Ordinal);

    public static string Named(string name) => Path.Combine(Directory, name);

    /// <summary>The highest rate of the scenario's workload, sampled at every step.</summary>
    public static double PeakDemand(Scenario scenario)
    {
        var peak = 0.0;
        for (var t = TimeSpan.Zero; t < scenario.Duration; t += scenario.Step)
        {
            peak = Math.Max(peak, scenario.Workload.RateAt(t));
        }

        return peak;
    }
}
