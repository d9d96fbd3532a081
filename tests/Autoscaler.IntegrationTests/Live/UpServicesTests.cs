using System.Globalization;
using System.Text.Json;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Live;

/// <summary>
/// <c>up --services DIR</c> with two demo services, a real Prometheus and real replicas: load on one scales that one
/// only, and a changed policy file is applied to its service while the stack runs.
/// </summary>
public sealed class UpServicesTests
{
    [Fact]
    public async Task Two_services_scale_independently_and_a_changed_policy_file_is_applied_while_up_runs()
    {
        RequiredBinary.Find("prometheus", "apt-get install prometheus");
        using var dir = new TempDirectory("up-services");
        var services = Path.Combine(dir.Path, "services");
        Directory.CreateDirectory(services);
        var (shopGateway, searchGateway, scaler, prometheus) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        var replicas = 21000 + (Environment.ProcessId % 100 * 40);
        WriteService(services, "shop", shopGateway, replicas, min: 1);
        WriteService(services, "search", searchGateway, replicas + 20, min: 1);

        await using var up = AutoscalerProcess.Start(
            "up", "--services", services, "--no-status", "--no-alertmanager", "--work-dir", Path.Combine(dir.Path, "work"),
            "--port", Str(scaler), "--prometheus-port", Str(prometheus), "--scrape-interval", "1s", "--evaluation-interval", "1s");
        try
        {
            await up.WaitForLineAsync(new System.Text.RegularExpressions.Regex("^ready, 2 service"), TimeSpan.FromSeconds(90));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var api = new Uri($"http://127.0.0.1:{scaler}/api/v1/services");

            // 70 req/s at shop's gateway: three replicas' worth at 30 req/s each; nothing at search's.
            await using (var load = AutoscalerProcess.Start("load", "--url", $"http://127.0.0.1:{shopGateway}/", "--rate", "70", "--duration", "25s"))
            {
                await LiveStack.WaitForAsync(async () => (await ReplicasAsync(http, api))["shop"] >= 3, TimeSpan.FromSeconds(40), () => up.Output);
                Assert.Equal(1, (await ReplicasAsync(http, api))["search"]);
                Assert.Equal(0, await load.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            }

            var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{scaler}/metrics"), TestContext.Current.CancellationToken);
            Assert.Contains("autoscaler_desired_replicas{service=\"search\"} 1", metrics, StringComparison.Ordinal);
            Assert.Contains("autoscaler_services 2", metrics, StringComparison.Ordinal);

            // search's policy file changes (min 2): search alone moves, and shop keeps what it had.
            var shopBefore = (await ReplicasAsync(http, api))["shop"];
            WritePolicy(services, "search", min: 2);
            await LiveStack.WaitForAsync(async () => (await ReplicasAsync(http, api))["search"] == 2, TimeSpan.FromSeconds(20), () => up.Output);
            Assert.True((await ReplicasAsync(http, api))["shop"] >= Math.Min(shopBefore, 2), "shop must not be reset by search's change");
            Assert.Contains("Service search changed from", up.Output, StringComparison.Ordinal);
        }
        finally
        {
            up.Signal(15);
            await up.WaitForExitAsync(TimeSpan.FromSeconds(60));
        }

        Assert.Contains("stopped", up.Output, StringComparison.Ordinal);
    }

    private static async Task<Dictionary<string, int>> ReplicasAsync(HttpClient http, Uri api)
    {
        var list = JsonDocument.Parse(await http.GetStringAsync(api, TestContext.Current.CancellationToken)).RootElement;
        return list.EnumerateArray().ToDictionary(
            s => s.GetProperty("name").GetString()!,
            s => s.GetProperty("currentReplicas") is { ValueKind: JsonValueKind.Number } n ? n.GetInt32() : -1);
    }

    private static void WriteService(string services, string name, int gateway, int replicas, int min)
    {
        File.WriteAllText(Path.Combine(services, name + ".yaml"), $$"""
            policy: ../{{name}}-policy.yaml
            checkInterval: 1s
            target: {kind: local, portRangeStart: {{replicas}}, portRangeEnd: {{replicas + 19}}}
            gateway: {port: {{gateway}}}
            """);
        WritePolicy(services, name, min);
    }

    private static void WritePolicy(string services, string name, int min) =>
        File.WriteAllText(Path.Combine(services, "..", name + "-policy.yaml"), $$"""
            minReplicas: {{min}}
            maxReplicas: 4
            metrics:
              - name: rps
                query: sum(irate(gateway_requests_received_total{service="{{name}}"}[5s]))
                target: {value: 30, type: AverageValue}
            """);

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
