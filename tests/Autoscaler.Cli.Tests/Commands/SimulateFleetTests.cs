using Autoscaler.Cli.Commands;
using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;

namespace Autoscaler.Cli.Tests.Commands;

/// <summary>What `autoscaler simulate` prints for a scenario of several services, and how it refuses --cap.</summary>
public sealed class SimulateFleetTests
{
    private static Scenario Fleet(string total = "replicas: {total: 6}") => ScenarioFile.Parse($"""
        duration: 20m
        {total}
        policies: [hpa]
        services:
          - {"{"}name: shop, workload: constant(rate=100), replicas: {"{"}max: 8, initial: 3{"}"}{"}"}
          - {"{"}name: search, workload: {"{"}type: step, steps: "0s=20,5m=200,15m=20"{"}"}, replicas: {"{"}max: 8{"}"}{"}"}
        """, "fleet.yaml", Path.GetTempPath(), "fleet");

    [Fact]
    public void The_plain_table_has_a_row_per_service_and_policy_a_total_row_and_the_scores_without_the_cap()
    {
        var result = FleetRunner.Run(Fleet(), cancellationToken: TestContext.Current.CancellationToken);
        var text = new StringWriter();
        SimulateCommand.WriteFleetScores(text, terminal: false, result);
        var lines = text.ToString().Split('\n');

        Assert.Contains(lines, l => l.StartsWith("replicas.total: 6;", StringComparison.Ordinal));
        var header = lines.Single(l => l.StartsWith("service ", StringComparison.Ordinal));
        Assert.Contains("capped", header, StringComparison.Ordinal);
        Assert.Contains("no cap: replica-h", header, StringComparison.Ordinal);
        var rows = lines.SkipWhile(l => l != header).Skip(1).TakeWhile(l => l.Length > 0).Select(l => l.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        Assert.Equal(["shop oracle", "search oracle", "total oracle", "shop hpa", "search hpa", "total hpa"], rows.Select(r => $"{r[0]} {r[1]}"));

        var search = rows.Single(r => r[0] == "search" && r[1] == "hpa");
        var capped = result.WithCap!.Totals.Single(t => t.Policy == "hpa").CappedByService["search"];
        Assert.True(capped > 0);
        Assert.Equal(capped.ToString(System.Globalization.CultureInfo.InvariantCulture), search[8]);
        Assert.Equal(12, search.Length);
    }

    [Fact]
    public void A_narrow_terminal_gets_the_scores_without_the_cap_in_a_table_of_their_own_within_its_width()
    {
        var result = FleetRunner.Run(Fleet(), cancellationToken: TestContext.Current.CancellationToken);
        var text = Terminal.Plain(SimulateCommand.FleetScores(result, colour: false, width: 80), width: 80);
        var lines = text.Split('\n');

        Assert.Contains("Without the cap (each service as if alone):", lines);
        var tables = lines.Where(l => l.StartsWith("service ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, tables.Count);
        Assert.Contains("capped", tables[0], StringComparison.Ordinal);
        Assert.DoesNotContain("no cap", tables[0], StringComparison.Ordinal);
        Assert.All(lines.TakeWhile(l => !l.StartsWith("  service ", StringComparison.Ordinal)), l => Assert.True(l.TrimEnd().Length <= 80, l));
    }

    [Fact]
    public void Cap_is_refused_where_it_cannot_apply()
    {
        var single = ScenarioFile.Parse("duration: 10m\nworkload: constant(rate=10)", "s.yaml", Path.GetTempPath(), "s");

        Assert.Contains("applies to a scenario of several services", Assert.Throws<ScenarioException>(() => SimulateCommand.CapMode(single, "off")).Message, StringComparison.Ordinal);
        Assert.Contains("the scenario sets no cap", Assert.Throws<ScenarioException>(() => SimulateCommand.CapMode(Fleet(total: ""), "on")).Message, StringComparison.Ordinal);
        Assert.Contains("must be compare, on or off", Assert.Throws<ScenarioException>(() => SimulateCommand.CapMode(Fleet(), "maybe")).Message, StringComparison.Ordinal);
        Assert.Equal(FleetCapMode.Uncapped, SimulateCommand.CapMode(Fleet(), "off"));
        Assert.Equal(FleetCapMode.Compare, SimulateCommand.CapMode(Fleet(), null));
    }
}
