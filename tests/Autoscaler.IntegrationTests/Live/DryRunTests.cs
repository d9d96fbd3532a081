using System.Text.Json;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Live;

public sealed class DryRunTests
{
    [Fact]
    public async Task A_live_run_in_dry_run_mode_records_scale_up_decisions_and_the_replica_count_never_changes()
    {
        await using var stack = await LiveStack.StartAsync("--dry-run", "--replica-arg=--queue-limit", "--replica-arg=1000");
        using var dir = new TempDirectory("autoscaler-dryrun");
        await using var load = AutoscalerProcess.Start("load", "--url", stack.Gateway.ToString(), "--rate", "70", "--duration", "15s");

        var decisions = new Uri(stack.Scaler, "api/v1/decisions");
        await LiveStack.WaitForAsync(async () =>
        {
            var list = JsonDocument.Parse(await stack.Http.GetStringAsync(decisions)).RootElement;
            Assert.Equal(1, await stack.CurrentReplicasAsync());
            Assert.Single(await stack.GatewayDestinationsAsync());
            return list.EnumerateArray().Any(e => e.GetProperty("decision").GetProperty("direction").GetString() == "up"
                && e.GetProperty("action").ValueKind == JsonValueKind.Null);
        }, TimeSpan.FromSeconds(30), () => stack.Process.Output);

        Assert.Equal(0, await load.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(1, await stack.CurrentReplicasAsync());
        Assert.Contains("Dry run: would scale from 1 -> 2", stack.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Scaling from", stack.Process.Output, StringComparison.Ordinal);
        Assert.Contains("autoscaler_dry_run{service=\"webapp\"} 1", await stack.ScalerMetricsAsync(), StringComparison.Ordinal);
    }
}
