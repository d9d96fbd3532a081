using System.Diagnostics;
using System.Globalization;
using Autoscaler.Core.Queueing;
using Autoscaler.Simulation.Reports;
using Autoscaler.Simulation.Results;

// Time of HtmlReport.Write for a 30-day run of 4 policies with 2,000 points each (what the runner keeps for charts):
// the three charts over all policies, the replica panel of each policy, and report.html.
// The first call is what `autoscaler simulate` pays (JIT, Skia and font loading); the others show the steady cost.
// Usage: dotnet run -c Release --project bench/Autoscaler.Bench.Report -- [points per policy] [repeats]
var points = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var directory = Path.Combine(Path.GetTempPath(), $"autoscaler-bench-report-{Environment.ProcessId}");
var result = Synthetic(points, new SloSpec(0.25, LatencyStatistic.P95, 0.01));
var process = Process.GetCurrentProcess();

try
{
    for (var i = 0; i <= repeats; i++)
    {
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        HtmlReport.Write(result, directory);
        watch.Stop();
        process.Refresh();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{(i == 0 ? "first" : "again")}: {watch.Elapsed.TotalMilliseconds:F0} ms wall, {(process.TotalProcessorTime - cpu).TotalMilliseconds:F0} ms CPU"));
    }

    var size = new DirectoryInfo(directory).GetFiles().Sum(f => f.Length);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Policies.Count} policies x {points} points; output {size / 1024} KiB"));
}
finally
{
    Directory.Delete(directory, recursive: true);
}

// A daily wave with noise; each policy lags the demand a little more, so it violates the SLO now and then and its
// latency jumps: busier lines than a real run's, which is the costly case for drawing.
static SimulationResult Synthetic(int points, SloSpec slo)
{
    const double Duration = 30 * 86_400.0;
    string[] names = ["oracle", "threshold", "hpa", "predictive"];
    var random = new Random(1);
    var runs = new List<PolicyRun>();
    for (var k = 0; k < names.Length; k++)
    {
        var series = new List<SeriesPoint>(points);
        for (var i = 0; i < points; i++)
        {
            var t = Duration * i / points;
            var demand = 200 + (150 * Math.Sin(2 * Math.PI * t / 86_400)) + (random.NextDouble() * 20);
            var needed = (int)Math.Ceiling(demand / 40);
            var ready = Math.Max(1, needed + k - 1 + (i / 37 % 3 == 0 ? -1 : 0));
            var latency = 0.05 + (ready < needed ? 0.4 * random.NextDouble() : 0.05 * random.NextDouble());
            series.Add(new SeriesPoint(t, demand, ready, ready, needed, demand, 0, latency * 0.6, latency, ready));
        }

        var score = new PolicyScore
        {
            Policy = names[k],
            ReplicaSeconds = 1e7 * (1 + (k * 0.1)),
            Cost = 140 * (1 + (k * 0.1)),
            CostRatioToOracle = 1 + (k * 0.1),
            SloViolationSeconds = k * 10_000,
            SloViolationPercent = k * 0.4,
            DroppedRequests = k * 12_345,
            ScaleActions = 700 * k,
            MeanLatencySeconds = 0.06,
            P95LatencySeconds = 0.12,
        };
        // Judged as the runner judges: threshold and hpa meet the SLO, predictive breaks it (its bar is striped).
        runs.Add(new PolicyRun(score with { MeetsSlo = slo.Breaches(score).Count == 0 }, series)
        {
            Parameters = $"minReplicas: 1\nmaxReplicas: 12\ncheckInterval: 15s\nmetrics:\n  - name: rps\n    target: {{value: 30, type: AverageValue}}\n",
        });
    }

    return new SimulationResult("bench", 1, Duration, 1, slo, 0.05, 0, runs);
}

