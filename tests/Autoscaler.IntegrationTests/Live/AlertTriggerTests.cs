using System.Text.Json;
using System.Text.RegularExpressions;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Live;

/// <summary>
/// Alert-driven evaluation end to end: a real Prometheus rule fires on the demo service's latency, the real
/// Alertmanager with the shipped configuration calls the scaler's webhook, and the scaler evaluates at once.
/// </summary>
public sealed class AlertTriggerTests
{
    [Fact]
    public async Task A_firing_latency_alert_reaches_the_scaler_through_alertmanager_and_scales_up_long_before_the_next_tick()
    {
        var alertmanager = RequiredBinary.Find("prometheus-alertmanager", "apt-get install prometheus-alertmanager");
        using var dir = new TempDirectory("autoscaler-alerts");
        // The shipped rule's name and expression over the test stack's 5 s window, firing after 1 s instead of 10 s.
        var rules = dir.File("fast_rules.yml");
        await File.WriteAllTextAsync(rules, """
            groups:
              - name: test.rules
                rules:
                  - alert: HighResponseTime
                    expr: avg(avg_over_time(webapp_response_time_seconds[5s])) > 0.5
                    for: 1s
                    labels:
                      severity: warning
            """, TestContext.Current.CancellationToken);

        // A ten-minute check interval: after the evaluation at start, only an alert can cause another one.
        // A one-second service time puts latency above both the alert (0.5 s) and the scale-up threshold (0.6 s) at any load.
        await using var stack = await LiveStack.StartAsync(
            "--check-interval", "10m", "--alert-rules", rules, "--alertmanager-bin", alertmanager,
            "--replica-arg=--service-time", "--replica-arg=1s", "--replica-arg=--queue-limit", "--replica-arg=1000");
        await stack.Process.WaitForLineAsync(new Regex("alertmanager " + Regex.Escape(stack.Alertmanager.ToString())), TimeSpan.FromSeconds(5));
        var ready = await stack.Http.GetAsync(new Uri(stack.Alertmanager, "-/ready"), TestContext.Current.CancellationToken);
        Assert.True(ready.IsSuccessStatusCode);
        var started = TimeProvider.System.GetTimestamp();
        Assert.Equal(1, await stack.CurrentReplicasAsync());

        await using var load = AutoscalerProcess.Start("load", "--url", stack.Gateway.ToString(), "--rate", "3", "--duration", "30s");

        JsonElement? byAlert = null;
        await LiveStack.WaitForAsync(async () =>
        {
            var status = await stack.StatusAsync();
            byAlert = status.GetProperty("lastDecisions").EnumerateArray()
                .Where(d => d.GetProperty("trigger").GetString()!.StartsWith("alert:", StringComparison.Ordinal) && d.GetProperty("decision").GetProperty("desiredReplicas").GetInt32() == 2)
                .Select(d => (JsonElement?)d).FirstOrDefault();
            return byAlert is not null && status.GetProperty("currentReplicas").GetInt32() == 2;
        }, TimeSpan.FromSeconds(40), () => stack.Process.Output);

        var elapsed = TimeProvider.System.GetElapsedTime(started);
        Assert.True(elapsed < TimeSpan.FromMinutes(5), $"took {elapsed}");
        Assert.Contains("HighResponseTime", byAlert!.Value.GetProperty("trigger").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, byAlert.Value.GetProperty("decision").GetProperty("currentReplicas").GetInt32());
        var status = await stack.StatusAsync();
        Assert.Contains("HighResponseTime=firing", status.GetProperty("lastAlert").GetProperty("alerts").EnumerateArray().Select(a => a.GetString()));
        // Every other decision is the single evaluation at start.
        Assert.Single(status.GetProperty("lastDecisions").EnumerateArray(), d => d.GetProperty("trigger").GetString() == "tick");
        Assert.Contains("Scaling from 1 -> 2", stack.Process.Output, StringComparison.Ordinal);
        Assert.Contains("Alert webhook:", stack.Process.Output, StringComparison.Ordinal);
        Assert.Matches(@"autoscaler_alerts_received_total\{status=""firing"",service=""webapp""\} [1-9]", await stack.ScalerMetricsAsync());
    }
}
