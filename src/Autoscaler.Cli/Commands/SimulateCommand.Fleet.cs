using System.CommandLine;
using System.Globalization;
using System.Text;
using Autoscaler.Core.Time;
using Autoscaler.Simulation.Output;
using Autoscaler.Simulation.Reports;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Autoscaler.Cli.Commands;

/// <summary><c>autoscaler simulate</c> of a scenario with several services sharing one machine budget.</summary>
internal static partial class SimulateCommand
{
    private static Option<string?> CapOption() => new("--cap")
    {
        Description = "With a scenario of several services and replicas.total: compare (with the cap and without it, side by side), on (with it only) or off (without it: each service as if alone) [default: compare]",
    };

    /// <summary>Runs a scenario of several services, prints the scores per service and in total, and writes the files.</summary>
    internal static async Task<int> RunFleetAsync(Scenario scenario, string? capFlag, string directory, Interruption interruption)
    {
        FleetCapMode mode;
        try
        {
            mode = CapMode(scenario, capFlag);
        }
        catch (ScenarioException e)
        {
            return await ReportAsync(e);
        }

        var stop = interruption.Token;
        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"simulate: {scenario.Name}: services {string.Join(", ", scenario.Services.Select(s => s.Name))}{(scenario.TotalReplicas is { } t ? $", replicas.total {t}" : "")}; {Durations.Humanize(scenario.Duration)} in steps of {Durations.Humanize(scenario.Step)}, seed {scenario.Seed}, policies {string.Join(", ", scenario.Policies.Select(p => p.Name).Prepend(BuiltInPolicies.Oracle))}"));
        FleetResult result;
        try
        {
            Task<FleetResult> Run(IProgress<double> progress) => Task.Run(() => FleetRunner.Run(scenario, mode, progress, TimeProvider.System, stop), stop);
            result = Console.IsErrorRedirected ? await Run(new ProgressLines(Console.Error)) : await WithProgressBarAsync(Run);
        }
        catch (ScenarioException e)
        {
            return await ReportAsync(e);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return await InterruptedAsync("simulate");
        }

        await Console.Error.WriteLineAsync($"simulate: done in {result.WallSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s");
        WriteFleetScores(Console.Out, terminal: !Console.IsOutputRedirected, result);
        IReadOnlyList<string> written;
        try
        {
            written = [.. FleetOutput.Write(result, directory), .. FleetReport.Write(result, directory)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ReportOutputException)
        {
            await Console.Error.WriteLineAsync($"autoscaler simulate: cannot write to '{directory}': {e.Message}");
            return ExitCodes.Failure;
        }

        var root = Path.GetFullPath(directory);
        await Console.Out.WriteLineAsync($"wrote {written.Count} files to {root} (report.html, summary.json, totals.csv, fleet-cap.csv, and per service SERVICE/)");
        return ExitCodes.Ok;
    }

    /// <summary>What --cap asks for, refused when it cannot apply.</summary>
    /// <exception cref="ScenarioException">--cap on a scenario of one service, or on/compare without replicas.total, or an unknown value.</exception>
    internal static FleetCapMode CapMode(Scenario scenario, string? flag)
    {
        if (flag is not null && !scenario.IsFleet)
        {
            throw new ScenarioException($"--cap {flag}: applies to a scenario of several services (services: with replicas: {{total: N}}); {scenario.Name} has one service");
        }

        return flag switch
        {
            null or "compare" => FleetCapMode.Compare,
            "off" => FleetCapMode.Uncapped,
            "on" when scenario.TotalReplicas is null => throw new ScenarioException($"--cap on: the scenario sets no cap; add replicas: {{total: N}} at its top level"),
            "on" => FleetCapMode.Capped,
            _ => throw new ScenarioException($"--cap {flag}: must be compare, on or off"),
        };
    }

    /// <summary>The fleet's scores: on a terminal with colours, otherwise plain columns at least two spaces apart.</summary>
    internal static void WriteFleetScores(TextWriter writer, bool terminal, FleetResult result) =>
        WriteTable(writer, terminal, (colour, width) => FleetScores(result, colour, width));

    /// <summary>
    /// One row per service and policy (the oracle first), a total row per policy, with the cap and, when both ran, the
    /// same scores without it beside them (under them, in a table of their own, when <paramref name="width"/> is too narrow
    /// for both); then the cap's reach and a legend.
    /// </summary>
    internal static IRenderable FleetScores(FleetResult result, bool colour, int width)
    {
        var c = CultureInfo.InvariantCulture;
        var lines = new List<IRenderable>
        {
            new Text($"{result.Scenario}: services {string.Join(", ", result.ServiceNames)}; {Durations.Humanize(TimeSpan.FromSeconds(result.DurationSeconds))} at a {Durations.Humanize(TimeSpan.FromSeconds(result.StepSeconds))} step, seed {result.Seed}; autoscaler {result.Version}"),
            new Text($"SLO (every service): {result.Slo.Describe()}"),
            new Text($"replicas.total: {FleetReport.CapFact(result)}", colour && result.OraclesOverCapSeconds > 0 ? new Style(Color.Yellow) : Style.Plain),
            s_blank,
        };

        var probe = Terminal.For(TextWriter.Null, interactive: false);
        probe.Profile.Width = width;
        bool Fits(Table table) => ((IRenderable)table).Measure(RenderOptions.Create(probe), width).Max <= width;
        var side = FleetTable(result, colour, besideWithoutCap: true);
        if (result.WithCap is null || result.WithoutCap is null || Fits(side))
        {
            lines.Add(Fits(side) ? side : FleetTable(result, colour, besideWithoutCap: true, narrow: true));
        }
        else
        {
            // Too narrow for both side by side: the scores without the cap in a table of their own, under the first.
            var narrow = !Fits(FleetTable(result, colour, besideWithoutCap: false));
            lines.Add(FleetTable(result, colour, besideWithoutCap: false, narrow));
            lines.Add(s_blank);
            lines.Add(new Text("Without the cap (each service as if alone):"));
            lines.Add(FleetTable(result with { WithCap = null }, colour, besideWithoutCap: false, narrow));
            if (narrow)
            {
                lines.Add(new Text("(a wider terminal shows ×oracle, errors and actions; report.html and summary.json have every score)"));
            }
        }

        lines.Add(s_blank);
        var legend = new Grid().AddColumn(new GridColumn().NoWrap().PadLeft(2).PadRight(2)).AddColumn(new GridColumn().PadRight(0));
        foreach (var (heading, meaning) in FleetLegend(result, result.WithCap is not null && result.WithoutCap is not null))
        {
            legend.AddRow(new Text(heading, colour ? new Style(decoration: Decoration.Bold) : Style.Plain), new Text(meaning));
        }

        lines.Add(legend);
        return new Rows(lines);
    }

    private static Table FleetTable(FleetResult result, bool colour, bool besideWithoutCap, bool narrow = false)
    {
        var main = result.Main;
        var other = result.WithCap is not null && besideWithoutCap ? result.WithoutCap : null;
        var table = new Table().Border(colour ? TableBorder.Simple : TableBorder.None);
        var headings = new List<string> { "service", "policy", "SLO", "replica-h", "×oracle", "SLO violated", "errors", "actions" };
        if (result.WithCap is not null)
        {
            headings.Add("capped");
        }

        if (other is not null)
        {
            headings.AddRange(["no cap: SLO", "no cap: replica-h", "no cap: violated"]);
        }

        // A narrow terminal keeps the verdicts, replica-hours, violation and cuts; report.html and summary.json have the rest.
        var shown = headings.Select(h => !narrow || h is not ("×oracle" or "errors" or "actions")).ToArray();
        foreach (var heading in headings.Where((_, i) => shown[i]))
        {
            var column = new TableColumn(new Text(heading, colour ? new Style(decoration: Decoration.Bold) : Style.Plain)).NoWrap();
            column = heading is "service" or "policy" or "SLO" or "no cap: SLO" ? column.LeftAligned() : column.RightAligned();
            table.AddColumn(colour ? column : column.PadLeft(0).PadRight(2));
        }

        foreach (var total in main.Totals)
        {
            var without = other?.Totals.Single(t => t.Policy == total.Policy);
            for (var i = 0; i < main.Services.Count; i++)
            {
                var score = main.Services[i].Policies.Single(p => p.Score.Policy == total.Policy).Score;
                var alone = other?.Services[i].Policies.Single(p => p.Score.Policy == total.Policy).Score;
                Row(table, shown, colour, main.Services[i].Scenario, total.IsOracle, score.Policy, score.MeetsSlo, score.ReplicaSeconds, score.CostRatioToOracle, score.SloViolationSeconds, score.SloViolationPercent, score.ErrorRate, score.ScaleActions,
                    result.WithCap is null ? null : total.CappedByService.GetValueOrDefault(main.Services[i].Scenario),
                    alone is null ? null : (alone.MeetsSlo, alone.ReplicaSeconds, alone.SloViolationSeconds, alone.SloViolationPercent), bold: false);
            }

            var percent = 100 * total.SloViolationSeconds / Math.Max(1e-9, result.DurationSeconds * main.Services.Count);
            var otherPercent = without is null ? 0 : 100 * without.SloViolationSeconds / Math.Max(1e-9, result.DurationSeconds * main.Services.Count);
            Row(table, shown, colour, "total", total.IsOracle, total.Policy, total.MeetsSlo, total.ReplicaSeconds, total.CostRatioToOracle, total.SloViolationSeconds, percent, total.ErrorRate, total.ScaleActions,
                result.WithCap is null ? null : total.CappedEvaluations,
                without is null ? null : (without.MeetsSlo, without.ReplicaSeconds, without.SloViolationSeconds, otherPercent), bold: true);
        }

        return table;
    }

    private static IEnumerable<(string Heading, string Meaning)> FleetLegend(FleetResult result, bool compared)
    {
        yield return ("service", "each service's row scores it as a run of that service alone would; total: every service together");
        yield return ("policy", "the policy every service ran (a service with a policy of its own ran that); oracle: each service's own, never held to the cap");
        yield return ("SLO", "pass/FAIL: the service meets its SLO or not; in a total row, pass when every service does; bound: the oracle");
        yield return ("replica-h", "replica-hours; in a total row, added up");
        yield return ("×oracle", "replica-hours / the oracle's; in a total row, / the sum of the oracles'");
        yield return ("SLO violated", "time in violation; in a total row, added up over the services (two services for one second count two), its share of duration × services");
        yield return ("errors", "dropped / requests offered");
        yield return ("actions", "times the replica count changed");
        if (result.WithCap is not null)
        {
            yield return ("capped", "evaluations at which the cap gave the service less than its policy asked for (fleet-cap.csv lists them)");
        }

        if (compared)
        {
            yield return ("no cap: …", "the same run without the cap, each service as if alone: the cap's effect is the difference");
        }
    }

    private static void Row(Table table, bool[] shown, bool colour, string service, bool oracle, string policy, bool meets, double replicaSeconds, double ratio, double violation, double violationPercent, double errors, int actions, int? capped,
        (bool Meets, double ReplicaSeconds, double Violation, double Percent)? alone, bool bold)
    {
        var c = CultureInfo.InvariantCulture;
        var style = colour && oracle ? new Style(Color.Grey) : colour && bold ? new Style(decoration: Decoration.Bold) : Style.Plain;
        string Verdict(bool ok) => oracle ? "bound" : ok ? "pass" : "FAIL";
        string Violated(double seconds, double percent) => $"{Durations.Humanize(TimeSpan.FromSeconds(Math.Round(seconds)))} ({percent.ToString("0.0", c)}%)";
        var cells = new List<string>
        {
            service, policy, Verdict(meets), (replicaSeconds / 3600).ToString("0.##", c), ratio.ToString("0.00", c), Violated(violation, violationPercent),
            (errors * 100).ToString("0.00", c) + "%", actions.ToString(c),
        };
        if (capped is { } n)
        {
            cells.Add(oracle ? "-" : n.ToString(c));
        }

        if (alone is { } a)
        {
            cells.AddRange([Verdict(a.Meets), (a.ReplicaSeconds / 3600).ToString("0.##", c), Violated(a.Violation, a.Percent)]);
        }

        table.AddRow([.. cells.Where((_, i) => shown[i]).Select(cell => new Text(cell, cell == "FAIL" && colour ? new Style(Color.Red, decoration: Decoration.Bold) : style))]);
    }
}
