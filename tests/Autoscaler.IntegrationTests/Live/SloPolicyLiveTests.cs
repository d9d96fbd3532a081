using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Live;

/// <summary>The <c>slo</c> rule on the real stack: real replicas, real Prometheus, the real load generator.</summary>
public sealed partial class SloPolicyLiveTests
{
    [Fact]
    public async Task The_slo_rule_learns_a_demo_replicas_capacity_within_15_percent_of_W_over_S()
    {
        // No service time declared: the rule holds until it has learnt one from utilization and throughput per
        // replica (webapp_busy_seconds_total; webapp_request_count_total less the rejected). Short windows for the 1 s scrapes.
        // One replica throughout: learning pauses for a minute after every change of the count, and what is tested here
        // is the estimate, so a scale-up once the capacity is known must not leave it with only its first, noisy sample.
        using var dir = new TempDirectory();
        var policy = dir.File("slo.yaml");
        await File.WriteAllTextAsync(policy, """
            minReplicas: 1
            maxReplicas: 1
            checkInterval: 1s
            metrics:
              - name: rps
                query: sum(rate(webapp_request_count_total[5s]))
                slo:
                  latency: 300ms
                  workers: 4
                  forecast: none
                  learn:
                    utilization: avg(rate(webapp_busy_seconds_total[10s]) / webapp_workers)
                    throughput: avg(rate(webapp_request_count_total[10s]) - rate(webapp_rejected_requests_total[10s]))
            """, TestContext.Current.CancellationToken);
        await using var stack = await LiveStack.StartAsync("--policy", policy);
        await using var load = AutoscalerProcess.Start("load", "--url", stack.Gateway.ToString(), "--rate", "24", "--duration", "150s");

        // Learning waits for the replica count to hold a minute, then each sample moves the estimate by 1 % at most.
        var learnt = new List<double>();
        await LiveStack.WaitForAsync(async () =>
        {
            learnt = await LearntCapacitiesAsync(stack);
            return learnt.Count >= 20;
        }, TimeSpan.FromSeconds(140), () => $"learnt so far: {string.Join(", ", learnt)}\n{stack.Process.Output}");

        // One replica: 4 workers, 100 ms exponential service, so W/S = 40 requests per second.
        var latest = learnt[0]; // the newest decision comes first
        Assert.InRange(latest, 34, 46);
        Assert.Contains("capacity", stack.Process.Output, StringComparison.Ordinal);
        Assert.Matches(Observation(), stack.Process.Output); // the learning inputs are read and logged beside the demand
    }

    /// <summary>The capacities the last decisions' reasons show, newest first.</summary>
    private static async Task<List<double>> LearntCapacitiesAsync(LiveStack stack)
    {
        var decisions = JsonDocument.Parse(await stack.Http.GetStringAsync(new Uri(stack.Scaler, "api/v1/decisions"))).RootElement;
        var capacities = new List<double>();
        foreach (var entry in decisions.EnumerateArray())
        {
            var reason = entry.GetProperty("decision").GetProperty("reason").GetString() ?? "";
            if (Learnt().Match(reason) is { Success: true } m)
            {
                capacities.Add(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        }

        return capacities;
    }

    [GeneratedRegex(@"capacity ([0-9.]+)/s learnt")]
    private static partial Regex Learnt();

    [GeneratedRegex(@"rps=\d+(\.\d+)? rps\.utilization=\d+(\.\d+)? rps\.throughput=\d+(\.\d+)? current_replicas=\d+")]
    private static partial Regex Observation();
}
