using System.CommandLine;
using System.Globalization;
using Autoscaler.Core.Queueing;
using Autoscaler.Core.Time;
using Autoscaler.Simulation.Output;
using Autoscaler.Simulation.Reports;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Workloads;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Autoscaler.Cli.Commands;

/// <summary><c>autoscaler simulate SCENARIO</c>: run a scenario's policies and the oracle in virtual time and score them.</summary>
internal static partial class SimulateCommand
{
    public static Command Create()
    {
        var scenario = new Argument<string>("scenario") { Description = "The scenario file (YAML; see docs/simulation.md and scenarios/)" };
        var duration = VerbOptions.Duration("--duration", "Simulated time, in place of the scenario's (e.g. 2h, 30d)");
        var seed = new Option<int?>("--seed") { Description = "Random seed, in place of the scenario's" };
        var output = new Option<string?>("--output") { Description = "Directory for summary.json, the CSV series, the charts and report.html [default: ./simulation-output/SCENARIO]" };
        var trace = new Option<string?>("--trace")
        {
            Description = $"A CSV trace ('{TraceRate.Header}', each row's rate held until the next) in place of the scenario's workload; without --duration the run lasts as long as the trace",
        };
        var timeScale = new Option<double?>("--time-scale")
        {
            Description = "With --trace: multiplies the trace's times; 0.5 plays it twice as fast, 2 half as fast [default: 1]",
        };
        var policy = new Option<string[]>("--policy")
        {
            Description = $"Also simulate this policy: {string.Join(", ", BuiltInPolicies.Names.Where(n => n != BuiltInPolicies.Oracle))}, or a policy file (ours, a HorizontalPodAutoscaler or a KEDA ScaledObject); each policy once; repeatable",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var budget = ViolationBudgetOption();
        var cap = CapOption();

        var command = new Command("simulate", """
            Run a scenario in virtual time: its workload through a model of the demo service (W workers and a queue
            of Q per replica, start-up delay, draining), under each policy (the same decision pipeline the scaler
            runs) and under the oracle, which knows the future and runs the fewest replicas that meet the SLO.
            Prints a table of scores with each policy's verdict against the SLO and the best policy (the cheapest
            that meets it), and writes summary.json, one CSV series per policy, PNG charts and report.html
            (everything side by side, one self-contained page) to the output directory. A policy meets the SLO when
            at most --violation-budget of the run violates it and at most slo.maxErrorRate of the requests are dropped.
            Exit code 2 when the scenario or a flag is invalid (every problem is named with its line and field).
            Examples:
              autoscaler simulate scenarios/step-up-down.yaml
              autoscaler simulate scenarios/diurnal-week.yaml
              autoscaler simulate scenarios/diurnal-sine.yaml --duration 30d --policy deploy/policies/hpa-request-rate.yaml
              autoscaler simulate scenarios/trace.yaml --trace my-day.csv --seed 7 --output out/
              autoscaler simulate scenarios/trace.yaml --trace my-day.csv --time-scale 0.1   # a day in 2.4 hours
              autoscaler simulate scenarios/fleet-shared-cap.yaml   # two services under one replicas.total
            A scenario may list several services sharing one machine budget (services: and replicas.total); then
            the scores are per service and in total, with the cap and without it (--cap).
            """)
        {
            scenario, duration, seed, output, trace, timeScale, policy, budget, cap,
        };

        command.SetAction(async (parse, _) =>
        {
            using var interruption = new Interruption();
            Scenario s;
            try
            {
                // Reading a long trace takes seconds: on a thread of its own, so that a signal is answered at once.
                s = await Task.Run(() => WithBudget(
                    Prepare(parse.GetValue(scenario)!, parse.GetValue(duration), parse.GetValue(seed), parse.GetValue(trace), parse.GetValue(timeScale), parse.GetValue(policy) ?? []),
                    parse.GetValue(budget))).WaitAsync(interruption.Token);
            }
            catch (ScenarioException e)
            {
                return await ReportAsync(e);
            }
            catch (OperationCanceledException) when (interruption.Requested)
            {
                return await InterruptedAsync("simulate");
            }

            var directory = parse.GetValue(output) ?? Path.Combine("simulation-output", s.Name);
            if (s.IsFleet || parse.GetValue(cap) is not null)
            {
                return await RunFleetAsync(s, parse.GetValue(cap), directory, interruption);
            }

            return await RunAsync(s, directory, interruption);
        });
        return command;
    }

    /// <summary>The flag that sets how much of a run may violate the SLO for a policy to meet it (simulate and replay).</summary>
    internal static Option<double?> ViolationBudgetOption() => new("--violation-budget")
    {
        Description = $"Largest share of the run that may violate the SLO for a policy to meet it, in place of the scenario's slo.violationBudget (0.005 = 0.5 %) [default: {SloSpec.DefaultViolationBudget.ToString(CultureInfo.InvariantCulture)}]",
    };

    /// <summary><paramref name="scenario"/> judged with <paramref name="budget"/> when one is given.</summary>
    /// <exception cref="ScenarioException">The budget is not a share between 0 and 1.</exception>
    internal static Scenario WithBudget(Scenario scenario, double? budget) => budget switch
    {
        null => scenario,
        >= 0 and <= 1 => scenario with { Slo = scenario.Slo with { ViolationBudget = budget.Value } },
        _ => throw new ScenarioException($"--violation-budget {budget.Value.ToString(CultureInfo.InvariantCulture)} must be a share of the run between 0 and 1 (0.01 = 1 %)"),
    };

    private static Scenario Prepare(string path, TimeSpan? duration, int? seed, string? tracePath, double? timeScale, string[] policies)
    {
        if (timeScale is { } scale && !(scale > 0 && double.IsFinite(scale)))
        {
            throw new ScenarioException($"--time-scale {scale.ToString(CultureInfo.InvariantCulture)} must be a number above 0 (0.5 plays the trace twice as fast)");
        }

        if (timeScale is not null && tracePath is null)
        {
            throw new ScenarioException("--time-scale applies to the trace given with --trace; give one, or set timeScale in the scenario's trace workload");
        }

        var s = ScenarioFile.Load(path);
        if (tracePath is not null && s.IsFleet)
        {
            throw new ScenarioException("--trace replaces the workload of a scenario of one service; this scenario lists services, each with its own workload (give a service workload: {type: trace, file: FILE})");
        }

        if (seed is { } n)
        {
            s = s with { Seed = n };
        }

        if (tracePath is not null)
        {
            TraceRate trace;
            try
            {
                trace = TraceRate.Load(tracePath, timeScale ?? 1);
            }
            catch (InvalidWorkloadException e)
            {
                throw new ScenarioException($"--trace: {e.Message}");
            }

            s = s with { Workload = trace, Duration = ScenarioFile.TraceLength(trace) };
        }

        if (duration is { } d)
        {
            if (d <= TimeSpan.Zero)
            {
                throw new ScenarioException("--duration must be longer than 0s");
            }

            s = s with { Duration = d };
        }

        if (s.Step > s.Duration)
        {
            throw new ScenarioException($"the run ({Durations.Format(s.Duration)}) is shorter than the scenario's step ({Durations.Format(s.Step)})");
        }

        return s.WithPolicies(policies, Directory.GetCurrentDirectory());
    }

    /// <summary>What an interrupted simulate or replay says: nothing was written.</summary>
    internal static async Task<int> InterruptedAsync(string verb)
    {
        await Console.Error.WriteLineAsync($"{verb}: interrupted; nothing written");
        return ExitCodes.Interrupted;
    }

    /// <summary>Runs <paramref name="scenario"/>, prints the scores and writes the files; a signal stops it (exit 130) within a moment.</summary>
    internal static async Task<int> RunAsync(Scenario scenario, string directory, Interruption interruption)
    {
        var stop = interruption.Token;

        var names = string.Join(", ", scenario.Policies.Select(p => p.Name).Prepend(BuiltInPolicies.Oracle));
        await Console.Error.WriteLineAsync(
            $"simulate: {scenario.Name}: {Durations.Humanize(scenario.Duration)} in steps of {Durations.Humanize(scenario.Step)}, seed {scenario.Seed}, policies {names}");
        SimulationResult result;
        try
        {
            result = Console.IsErrorRedirected
                ? await RunAsync(scenario, new ProgressLines(Console.Error), stop)
                : await RunWithProgressBarAsync(scenario, stop);
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
        WriteScores(Console.Out, terminal: !Console.IsOutputRedirected, result);
        IReadOnlyList<string> written;
        try
        {
            written = WriteFiles(result, directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"autoscaler simulate: cannot write to '{directory}': {e.Message}");
            return ExitCodes.Failure;
        }

        await Console.Out.WriteLineAsync($"wrote {string.Join(", ", written.Select(Path.GetFileName))} to {Path.GetFullPath(directory)}");
        return ExitCodes.Ok;
    }

    /// <summary>Writes a run's files into <paramref name="directory"/>: summary.json, the CSV series, the charts and report.html; returns their paths.</summary>
    internal static IReadOnlyList<string> WriteFiles(SimulationResult result, string directory) =>
        [.. SimulationOutput.Write(result, directory), .. HtmlReport.Write(result, directory)];

    private static Task<SimulationResult> RunAsync(Scenario scenario, IProgress<double> progress, CancellationToken cancellationToken) =>
        Task.Run(() => SimulationRunner.Run(scenario, progress, TimeProvider.System, cancellationToken), cancellationToken);

    // On a terminal: Spectre.Console's bar on stderr, redrawn in place and cleared at the end, so stdout keeps only the scores.
    private static Task<SimulationResult> RunWithProgressBarAsync(Scenario scenario, CancellationToken cancellationToken) =>
        WithProgressBarAsync(progress => RunAsync(scenario, progress, cancellationToken));

    private static Task<T> WithProgressBarAsync<T>(Func<IProgress<double>, Task<T>> run) =>
        Terminal.For(Console.Error, interactive: true).Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(context => run(new Progress(context.AddTask("simulate", maxValue: 1))));

    private sealed class Progress(ProgressTask task) : IProgress<double>
    {
        public void Report(double value) => task.Value = Math.Clamp(value, 0, 1);
    }

    internal static async Task<int> ReportAsync(ScenarioException e, string verb = "simulate")
    {
        foreach (var problem in e.Problems)
        {
            await Console.Error.WriteLineAsync($"autoscaler {verb}: {problem}");
        }

        return ExitCodes.Usage;
    }

    /// <summary>
    /// Writes the scores: on a terminal with colours, as many columns as fit its width; otherwise every column as plain
    /// text (see <see cref="Scores"/>).
    /// </summary>
    internal static void WriteScores(TextWriter writer, bool terminal, SimulationResult result) =>
        WriteTable(writer, terminal, (colour, width) => Scores(result, colour, width));

    /// <summary>
    /// Writes a table <paramref name="render"/> lays out for a colour flag and a width: on a terminal, its own; otherwise
    /// plain text at <see cref="Terminal.PlainWidth"/>.
    /// </summary>
    internal static void WriteTable(TextWriter writer, bool terminal, Func<bool, int, IRenderable> render)
    {
        if (!terminal)
        {
            writer.Write(Terminal.Plain(render(false, Terminal.PlainWidth)) + "\n");
            return;
        }

        var console = Terminal.For(writer, interactive: true);
        console.Write(render(console.Profile.Capabilities.Ansi, console.Profile.Width));
    }

    /// <summary>
    /// The scores, the oracle first, with each policy's verdict against the SLO, the best policy and why any cheaper
    /// one fails, and a legend of every heading shown. With <paramref name="colour"/>, a table with a rule under its
    /// headings and the verdicts coloured; without, whitespace-separated columns at least two spaces apart (a cell
    /// such as "1h 5m" holds single spaces only). Columns that do not fit <paramref name="width"/> are left out, the
    /// elasticity metrics first: summary.json and report.html hold them all.
    /// </summary>
    internal static IRenderable Scores(SimulationResult result, bool colour, int width)
    {
        var c = CultureInfo.InvariantCulture;
        var slo = result.Slo;
        var lines = new List<IRenderable>
        {
            new Text($"{result.Scenario}: {Durations.Humanize(TimeSpan.FromSeconds(result.DurationSeconds))} at a {Durations.Humanize(TimeSpan.FromSeconds(result.StepSeconds))} step, seed {result.Seed}, cost {result.CostPerReplicaHour.ToString("0.####", c)} per replica-hour; autoscaler {result.Version}"),
            new Text($"SLO: {slo.Describe()}"),
        };
        if (result.OutOfReach is { } outOfReach)
        {
            lines.Add(new Text($"SLO out of reach: {outOfReach}", colour ? new Style(Color.Yellow) : Style.Plain));
        }

        lines.Add(s_blank);

        var shown = s_columns;
        var table = Table(result, shown, colour);
        var probe = Terminal.For(TextWriter.Null, interactive: false);
        probe.Profile.Width = width;
        for (var tier = 2; tier > 0 && ((IRenderable)table).Measure(RenderOptions.Create(probe), width).Max > width; tier--)
        {
            shown = [.. s_columns.Where(column => column.Tier < tier)];
            table = Table(result, shown, colour);
        }

        lines.Add(table);
        lines.Add(s_blank);
        var best = result.Best;
        if (best is not null)
        {
            lines.Add(new Text($"best: {best.Score.Policy}, the cheapest policy that meets the SLO ({best.Score.CostRatioToOracle.ToString("0.00", c)}× the oracle's cost)", colour ? new Style(Color.Green, decoration: Decoration.Bold) : Style.Plain));
        }
        else if (result.Policies.Any(p => !p.IsOracle))
        {
            lines.Add(new Text("best: none; no policy meets the SLO", colour ? new Style(Color.Red, decoration: Decoration.Bold) : Style.Plain));
        }

        foreach (var run in result.CheaperButFailing)
        {
            lines.Add(new Text($"{run.Score.Policy} {(best is null ? "fails" : "is cheaper but fails")} the SLO: {string.Join("; ", slo.Breaches(run.Score))}"));
        }

        lines.Add(s_blank);
        var legend = new Grid().AddColumn(new GridColumn().NoWrap().PadLeft(2).PadRight(2)).AddColumn(new GridColumn().PadRight(0));
        foreach (var column in shown)
        {
            legend.AddRow(new Text(column.Heading, colour ? new Style(decoration: Decoration.Bold) : Style.Plain), new Text(column.Meaning));
        }

        lines.Add(legend);
        if (shown.Length < s_columns.Length)
        {
            lines.Add(new Padder(new Text($"(a wider terminal shows {string.Join(", ", s_columns.Except(shown).Select(column => column.Heading))}; report.html and summary.json have every score)"), new Padding(2, 0, 0, 0)));
        }

        return new Rows(lines);
    }

    // One empty line in a Rows (Text.NewLine there makes two).
    private static readonly Text s_blank = new(string.Empty);

    private static Table Table(SimulationResult result, ScoreColumn[] columns, bool colour)
    {
        var table = new Table().Border(colour ? TableBorder.Simple : TableBorder.None);
        foreach (var heading in columns.Select(column => column.Heading))
        {
            var column = new TableColumn(new Text(heading, colour ? new Style(decoration: Decoration.Bold) : Style.Plain));
            column = heading is "policy" or "SLO" ? column.LeftAligned() : column.RightAligned();

            // Plain columns are at least two spaces apart, so a cell with one space ("1h 5m") still reads as one.
            table.AddColumn(colour ? column : column.PadLeft(0).PadRight(2));
        }

        var best = result.Best;
        foreach (var run in result.Policies)
        {
            var (verdict, style) = run.IsOracle ? ("bound", new Style(Color.Grey))
                : ReferenceEquals(run, best) ? ("best", new Style(Color.Green, decoration: Decoration.Bold))
                : run.Score.MeetsSlo ? ("pass", new Style(Color.Green))
                : ("FAIL", new Style(Color.Red, decoration: Decoration.Bold));
            var rowStyle = colour && run.IsOracle ? new Style(Color.Grey) : Style.Plain;
            table.AddRow([.. columns.Select(column => column.Heading == "SLO"
                ? new Text(verdict, colour ? style : Style.Plain)
                : new Text(column.Cell(run.Score), rowStyle))]);
        }

        return table;
    }

    // Every column of the table with its meaning (the legend) and how readily it is left out of a narrow terminal:
    // tier 0 always shows, tier 2 (the elasticity metrics) goes first.
    private static readonly ScoreColumn[] s_columns =
    [
        new("policy", "oracle: knows the future demand and runs the fewest replicas that keep the SLO, at most replicas.max; the cost bound, not ranked", 0, s => s.Policy),
        new("SLO", "best: the cheapest policy that meets the SLO; pass/FAIL: meets it or not; bound: the oracle", 0, _ => ""),
        new("replica-h", "replica-hours: replicas running (starting, ready, draining) over time", 1, s => (s.ReplicaSeconds / 3600).ToString("0.##", CultureInfo.InvariantCulture)),
        new("cost", "replica-hours × the price of a replica-hour", 1, s => s.Cost.ToString("0.##", CultureInfo.InvariantCulture)),
        new("×oracle", "replica-hours / the oracle's", 0, s => s.CostRatioToOracle.ToString("0.00", CultureInfo.InvariantCulture)),
        new("SLO violated", "time (share of the run) in steps that broke the latency bound or dropped too many requests", 0,
            s => $"{Durations.Humanize(TimeSpan.FromSeconds(Math.Round(s.SloViolationSeconds)))} ({s.SloViolationPercent.ToString("0.0", CultureInfo.InvariantCulture)}%)"),
        new("dropped", "requests rejected: queues full, or no replica ready", 1, s => s.DroppedRequests.ToString(CultureInfo.InvariantCulture)),
        new("errors", "dropped / requests offered", 0, s => (s.ErrorRate * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%"),
        new("actions", "times the replica count changed", 0, s => s.ScaleActions.ToString(CultureInfo.InvariantCulture)),
        new("mean", "mean latency of the requests served", 1, s => Latency(s.MeanLatencySeconds)),
        new("p95", "95th percentile latency of the requests served", 1, s => Latency(s.P95LatencySeconds)),
        new("θU %", "under-provisioning accuracy: replicas missing / replicas needed, averaged over the run (SPEC RG)", 2, s => s.UnderProvisioningAccuracy.ToString("0.0", CultureInfo.InvariantCulture)),
        new("θO %", "over-provisioning accuracy: replicas in excess / replicas needed, averaged over the run (SPEC RG)", 2, s => s.OverProvisioningAccuracy.ToString("0.0", CultureInfo.InvariantCulture)),
        new("τU %", "under-provisioning timeshare: share of the run with too few replicas (SPEC RG)", 2, s => s.UnderProvisioningTimeshare.ToString("0.0", CultureInfo.InvariantCulture)),
        new("τO %", "over-provisioning timeshare: share of the run with too many replicas (SPEC RG)", 2, s => s.OverProvisioningTimeshare.ToString("0.0", CultureInfo.InvariantCulture)),
        new("instab %", "instability: share of the run in which replicas and need did not move together (SPEC RG)", 2, s => s.Instability.ToString("0.0", CultureInfo.InvariantCulture)),
    ];

    private sealed record ScoreColumn(string Heading, string Meaning, int Tier, Func<PolicyScore, string> Cell);

    private static string Latency(double seconds) => Durations.Humanize(TimeSpan.FromSeconds(seconds < 1 ? Math.Round(seconds, 3) : seconds));

    /// <summary>Progress for a log: one line per 10 % on stderr when it is not a terminal.</summary>
    private sealed class ProgressLines(TextWriter writer) : IProgress<double>
    {
        private readonly Lock _lock = new();
        private int _shown;

        public void Report(double value)
        {
            var tenth = (int)Math.Floor(Math.Clamp(value, 0, 1) * 10);
            lock (_lock)
            {
                if (tenth > _shown)
                {
                    _shown = tenth;
                    writer.WriteLine($"simulate: {tenth * 10}%");
                }
            }
        }
    }
}
