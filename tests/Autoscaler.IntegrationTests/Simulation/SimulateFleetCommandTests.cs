using System.Text.Json;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Simulation;

/// <summary><c>autoscaler simulate</c> of a scenario with several services under one cap: the real binary, real files.</summary>
public sealed class SimulateFleetCommandTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    private static string Example => Path.Combine(AppContext.BaseDirectory, "scenarios", "fleet-shared-cap.yaml");

    [Fact]
    public async Task The_shipped_example_prints_each_service_and_the_total_and_writes_per_service_files()
    {
        using var dir = new TempDirectory("autoscaler-simulate-fleet");
        await using var process = AutoscalerProcess.Start(["simulate", Example, "--output", dir.File("out")]);
        Assert.True(await process.WaitForExitAsync(Deadline) == 0, process.Output);
        var output = process.Output;

        Assert.Matches(@"(?m)^service {2,}policy {2,}SLO {2,}replica-h.* {2,}capped {2,}no cap: SLO", output);
        Assert.Matches(@"(?m)^search {2,}hpa {2,}(pass|FAIL) ", output);
        Assert.Matches(@"(?m)^total {2,}hpa {2,}(pass|FAIL) ", output);
        Assert.Contains("replicas.total: 12;", output, StringComparison.Ordinal);

        var ct = TestContext.Current.CancellationToken;
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(dir.File("out/summary.json"), ct));
        Assert.Equal(12, summary.RootElement.GetProperty("totalReplicas").GetInt32());
        var totals = summary.RootElement.GetProperty("withCap").GetProperty("totals").EnumerateArray().ToList();
        Assert.Equal(["oracle", "hpa", "slo"], totals.Select(t => t.GetProperty("policy").GetString()));
        Assert.All(totals, t => Assert.InRange(t.GetProperty("mostReplicas").GetInt32(), 1, 12));
        Assert.Equal(["shop", "search"], summary.RootElement.GetProperty("withoutCap").GetProperty("services").EnumerateArray().Select(s => s.GetProperty("service").GetString()));

        var cuts = await File.ReadAllLinesAsync(dir.File("out/fleet-cap.csv"), ct);
        Assert.Equal("seconds,service,policy,current,wanted,granted,reason", cuts[0]);
        Assert.Contains(cuts.Skip(1), line => line.Contains("\"fleet cap: wanted ", StringComparison.Ordinal));
        Assert.StartsWith("cap,policy,seconds,ready_replicas,target_replicas,oracle_replicas\n", await File.ReadAllTextAsync(dir.File("out/totals.csv"), ct), StringComparison.Ordinal);
        foreach (var file in (string[])["report.html", "total-replicas.png", "shop/summary.json", "shop/hpa.csv", "search/report.html", "search/demand-and-replicas.png"])
        {
            Assert.True(File.Exists(dir.File("out/" + file)), $"no {file}");
        }
    }

    [Fact]
    public async Task Without_the_cap_only_the_uncapped_run_is_written()
    {
        using var dir = new TempDirectory("autoscaler-simulate-fleet");
        await using var process = AutoscalerProcess.Start(["simulate", Example, "--cap", "off", "--output", dir.File("out")]);
        Assert.True(await process.WaitForExitAsync(Deadline) == 0, process.Output);

        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(dir.File("out/summary.json"), TestContext.Current.CancellationToken));
        Assert.Equal(JsonValueKind.Null, summary.RootElement.GetProperty("withCap").ValueKind);
        Assert.Equal(JsonValueKind.Object, summary.RootElement.GetProperty("withoutCap").ValueKind);
        Assert.DoesNotContain("capped", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_services_list_is_refused_with_its_line_and_exit_code_2_and_nothing_written()
    {
        using var dir = new TempDirectory("autoscaler-simulate-fleet");
        await File.WriteAllTextAsync(dir.File("bad.yaml"), """
            duration: 10m
            workload: constant(rate=10)
            replicas: {total: 1}
            services:
              - {name: a, workload: constant(rate=10), replicas: {min: 1}}
              - {name: a, workload: constant(rate=10), replicas: {min: 1}}
            """, TestContext.Current.CancellationToken);
        await using var process = AutoscalerProcess.Start(["simulate", dir.File("bad.yaml"), "--output", dir.File("out")]);

        Assert.Equal(2, await process.WaitForExitAsync(Deadline));
        Assert.Contains("bad.yaml:2: workload: belongs to each service", process.Output, StringComparison.Ordinal);
        Assert.Contains("bad.yaml:6: services[1].name: 'a' is the name of services[0] too", process.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("out")));
    }
}
