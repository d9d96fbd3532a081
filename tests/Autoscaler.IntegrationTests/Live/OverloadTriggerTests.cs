using System.Text.Json;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Live;

/// <summary>
/// A step in load no check foresaw, end to end: the one replica's queue fills, the gateway answers 503, and `up`
/// asks the scaler for an evaluation at once instead of at the next check.
/// </summary>
public sealed class OverloadTriggerTests
{
    [Fact]
    public async Task Requests_the_gateway_turns_away_scale_up_long_before_the_next_check()
    {
        using var dir = new TempDirectory("autoscaler-overload");
        var policy = dir.File("rate.yaml");
        await File.WriteAllTextAsync(policy, """
            minReplicas: 1
            maxReplicas: 4
            metrics:
              - name: rps
                query: sum(irate(webapp_request_count_total[5s]))
                target: {value: 30, type: AverageValue}
            """, TestContext.Current.CancellationToken);

        // A ten-minute check interval: after the evaluation at start, only rejected requests can cause another one.
        // A queue of 5 fills within a second at 100 req/s (one replica serves 40).
        await using var stack = await LiveStack.StartAsync(
            "--policy", policy, "--check-interval", "10m", "--replica-arg=--queue-limit", "--replica-arg=5");
        Assert.Equal(1, await stack.CurrentReplicasAsync());

        await using var load = AutoscalerProcess.Start("load", "--url", stack.Gateway.ToString(), "--rate", "100", "--duration", "30s");

        JsonElement? byOverload = null;
        await LiveStack.WaitForAsync(async () =>
        {
            var status = await stack.StatusAsync();
            byOverload = status.GetProperty("lastDecisions").EnumerateArray()
                .Where(d => d.GetProperty("trigger").GetString() == "overload"
                    && d.GetProperty("decision").GetProperty("currentReplicas").GetInt32() == 1
                    && d.GetProperty("decision").GetProperty("desiredReplicas").GetInt32() > 1)
                .Select(d => (JsonElement?)d).FirstOrDefault();
            return byOverload is not null && status.GetProperty("currentReplicas").GetInt32() > 1;
        }, TimeSpan.FromSeconds(25), () => stack.Process.Output);

        Assert.NotNull(byOverload);
        Assert.Contains("Scaling from 1 -> ", stack.Process.Output, StringComparison.Ordinal);
        // Every other evaluation came from the overload: the only tick is the one at start.
        Assert.Single((await stack.StatusAsync()).GetProperty("lastDecisions").EnumerateArray(), d => d.GetProperty("trigger").GetString() == "tick");
    }
}
