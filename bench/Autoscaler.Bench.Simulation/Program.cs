using System.Diagnostics;
using System.Globalization;
using Autoscaler.Core.Queueing;
using Autoscaler.Core.ServiceModel;
using Autoscaler.Simulation.Model;
using Autoscaler.Simulation.Output;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Workloads;

// Simulator throughput (docs/benchmarks.md).
//   per-policy: one policy (hpa; slo with the mode slo) and the oracle over DAYS days at 1 s steps, one after the other on ONE thread;
//               simulated seconds per wall second per policy = DAYS·86400·2 / wall (and per CPU second, which a
//               busy machine does not inflate). oracle, fixed, threshold, slo: the same with another policy, or none.
//   month:      30 days at 1 s steps, 4 policies (oracle, threshold, hpa, hpa-request-rate.yaml) on all cores,
//               summary.json and the CSV series written (the HTML report is not in this build).
// Usage: dotnet run -c Release --project bench/Autoscaler.Bench.Simulation -- per-policy|month|oracle|fixed|threshold|slo [DAYS] [RUNS]
var mode = args.Length > 0 ? args[0] : "month";
var days = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : mode == "month" ? 30 : 10;
var runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
var service = new ServiceModelSpec { StartupDelay = TimeSpan.FromSeconds(30), Distribution = ServiceTimeDistribution.Exponential };
var slo = new SloSpec(0.75, LatencyStatistic.P95, 0.005);
var policies = new List<PolicyChoice> { BuiltInPolicies.Resolve(BuiltInPolicies.Hpa, service, slo, 1, 10, ".")! };
if (mode == "oracle")
{
    policies.Clear();
}

if (mode == "fixed")
{
    policies[0] = new PolicyChoice("fixed", new Autoscaler.Core.PolicyFiles.PolicySpec { MaxReplicas = 10, Metrics = [new Autoscaler.Core.PolicyFiles.MetricSpec { Name = "f", Fixed = 6 }] });
}

if (mode == "threshold")
{
    policies[0] = BuiltInPolicies.Resolve(BuiltInPolicies.Threshold, service, slo, 1, 10, ".")!;
}

if (mode == "slo")
{
    policies[0] = BuiltInPolicies.Resolve(BuiltInPolicies.Slo, service, slo, 1, 10, ".")!;
}

if (mode == "month")
{
    policies.Insert(0, BuiltInPolicies.Resolve(BuiltInPolicies.Threshold, service, slo, 1, 10, ".")!);
    policies.Add(BuiltInPolicies.Resolve(Path.Combine(AppContext.BaseDirectory, "deploy", "policies", "hpa-request-rate.yaml"), service, slo, 1, 10, ".")!);
}

var scenario = new Scenario
{
    Name = $"bench-{mode}",
    Duration = TimeSpan.FromDays(days),
    Workload = new SineRate(120, 100, TimeSpan.FromDays(1)),
    Service = service,
    Slo = slo,
    MaxReplicas = 10,
    Policies = policies,
};

// Cold start (tables built, code jitted) measured once on its own.
var cold = Stopwatch.StartNew();
SimulationRunner.Run(scenario with { Duration = TimeSpan.FromSeconds(1) });
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cold start (service tables, JIT): {cold.Elapsed.TotalSeconds:0.000} s"));

var output = Path.Combine(Path.GetTempPath(), $"autoscaler-bench-{Environment.ProcessId}");
var walls = new List<double>();
for (var i = 0; i < runs; i++)
{
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var watch = Stopwatch.StartNew();
    var result = SimulationRunner.Run(scenario, threads: mode == "month" ? null : 1);
    if (mode == "month")
    {
        SimulationOutput.Write(result, output);
    }

    walls.Add(watch.Elapsed.TotalSeconds);
    var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
    var simulated = scenario.Duration.TotalSeconds * result.Policies.Count;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"run {i + 1}: {result.Policies.Count} policies × {scenario.Duration.TotalSeconds:0} s in {watch.Elapsed.TotalSeconds:0.000} s wall ({result.WallSeconds:0.000} s simulating) = {simulated / watch.Elapsed.TotalSeconds / 1e6:0.00} M simulated s per wall s in total, {scenario.Duration.TotalSeconds / watch.Elapsed.TotalSeconds / 1e6:0.00} M per policy-thread-equivalent ({Environment.ProcessorCount} cores); CPU {cpuSeconds:0.000} s = {simulated / cpuSeconds / 1e6:0.00} M simulated s per CPU second"));
}

walls.Sort();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median wall {walls[walls.Count / 2]:0.000} s; GC heap after: {GC.GetTotalMemory(true) / 1e6:0.0} MB, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:0} MB"));
if (Directory.Exists(output))
{
    Directory.Delete(output, recursive: true);
}
