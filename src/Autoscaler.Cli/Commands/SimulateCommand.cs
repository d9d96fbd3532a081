using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Autoscaler.Core.Queueing;
using Autoscaler.Core.Time;
using Autoscaler.Simulation.Output;
using Autoscaler.Simulation.Reports;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Cli.Commands;

/// <summary><c>autoscaler simulate SCENARIO</c>: run a scenario's policies and the oracle in virtual time and score them.</summary>
internal static class SimulateCommand
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
            Description = $"Also simulate this policy: {string.Join(", ", BuiltInPolicies.Names.Where(n => n != BuiltInPolicies.Oracle))}, or a policy file (ours, a HorizontalPodAutoscaler or a KEDA ScaledObject); repeatable",
            Arity = ArgumentArity.ZeroOrMore,
        };

        var command = new Command("simulate", """
            Run a scenario in virtual time: its workload through a model of the demo service (W workers and a queue
            of Q per replica, start-up delay, draining), under each policy (the same decision pipeline the scaler
            runs) and under the oracle, which knows the future and runs the fewest replicas that meet the SLO.
            Prints a table of scores and writes summary.json, one CSV series per policy, PNG charts and report.html
            (everything side by side, one self-contained page) to the output directory.
            Exit code 2 when the scenario or a flag is invalid (every problem is named with its line and field).
            Examples:
              autoscaler simulate scenarios/step-up-down.yaml
              autoscaler simulate scenarios/diurnal-week.yaml
              autoscaler simulate scenarios/diurnal-sine.yaml --duration 30d --policy deploy/policies/hpa-request-rate.yaml
              autoscaler simulate scenarios/trace.yaml --trace my-day.csv --seed 7 --output out/
              autoscaler simulate scenarios/trace.yaml --trace my-day.csv --time-scale 0.1   # a day in 2.4 hours
            """)
        {
            scenario, duration, seed, output, trace, timeScale, policy,
        };

        command.SetAction(async (parse, _) =>
        {
            Scenario s;
            try
            {
                s = Prepare(parse.GetValue(scenario)!, parse.GetValue(duration), parse.GetValue(seed), parse.GetValue(trace), parse.GetValue(timeScale), parse.GetValue(policy) ?? []);
            }
            catch (ScenarioException e)
            {
                return await ReportAsync(e);
            }

            var directory = parse.GetValue(output) ?? Path.Combine("simulation-output", s.Name);
            return await RunAsync(s, directory);
        });
        return command;
    }

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

    internal static async Task<int> RunAsync(Scenario scenario, string directory)
    {
        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        var names = string.Join(", ", scenario.Policies.Select(p => p.Name).Prepend(BuiltInPolicies.Oracle));
        await Console.Error.WriteLineAsync(
            $"simulate: {scenario.Name}: {Durations.Format(scenario.Duration)} in steps of {Durations.Format(scenario.Step)}, seed {scenario.Seed}, policies {names}");
        var progress = new ProgressLine(Console.Error, terminal: !Console.IsErrorRedirected);
        SimulationResult result;
        try
        {
            result = await Task.Run(() => SimulationRunner.Run(scenario, progress, TimeProvider.System, stop.Token), stop.Token);
        }
        catch (ScenarioException e)
        {
            progress.Clear();
            return await ReportAsync(e);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            progress.Clear();
            await Console.Error.WriteLineAsync("simulate: interrupted; nothing written");
            return ExitCodes.Interrupted;
        }

        progress.Done(result.WallSeconds);
        await Console.Out.WriteAsync(Table(result));
        IReadOnlyList<string> written;
        try
        {
            written = [.. SimulationOutput.Write(result, directory), .. HtmlReport.Write(result, directory)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"autoscaler simulate: cannot write to '{directory}': {e.Message}");
            return ExitCodes.Failure;
        }

        await Console.Out.WriteLineAsync($"wrote {string.Join(", ", written.Select(Path.GetFileName))} to {Path.GetFullPath(directory)}");
        return ExitCodes.Ok;
    }

    internal static async Task<int> ReportAsync(ScenarioException e)
    {
        foreach (var problem in e.Problems)
        {
            await Console.Error.WriteLineAsync($"autoscaler simulate: {problem}");
        }

        return ExitCodes.Usage;
    }

    /// <summary>The scores as a fixed-width table, the oracle first.</summary>
    internal static string Table(SimulationResult result)
    {
        var c = CultureInfo.InvariantCulture;
        string[] header = ["policy", "replica-h", "cost", "×oracle", "SLO viol", "dropped", "actions", "mean", "p95", "θU %", "θO %", "τU %", "τO %", "instab %"];
        var rows = result.Policies.Select(p => p.Score).Select(s => new[]
        {
            s.Policy,
            (s.ReplicaSeconds / 3600).ToString("0.##", c),
            s.Cost.ToString("0.##", c),
            s.CostRatioToOracle.ToString("0.00", c),
            $"{Durations.Format(TimeSpan.FromSeconds(Math.Round(s.SloViolationSeconds)))} {s.SloViolationPercent.ToString("0.0", c)}%",
            s.DroppedRequests.ToString(c),
            s.ScaleActions.ToString(c),
            Latency(s.MeanLatencySeconds),
            Latency(s.P95LatencySeconds),
            s.UnderProvisioningAccuracy.ToString("0.0", c),
            s.OverProvisioningAccuracy.ToString("0.0", c),
            s.UnderProvisioningTimeshare.ToString("0.0", c),
            s.OverProvisioningTimeshare.ToString("0.0", c),
            s.Instability.ToString("0.0", c),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Select(r => r[i].Length).DefaultIfEmpty(0).Max())).ToArray();
        var text = new StringBuilder();
        var slo = result.Slo;
        text.AppendLine(c, $"{result.Scenario}: SLO {slo.Statistic.Label()} latency ≤ {Latency(slo.LatencySeconds)}, errors ≤ {slo.MaxErrorRate:0.##%}; cost {result.CostPerReplicaHour:0.####} per replica-hour");
        void Line(IReadOnlyList<string> cells)
        {
            for (var i = 0; i < cells.Count; i++)
            {
                text.Append(i == 0 ? cells[i].PadRight(widths[i]) : "  " + cells[i].PadLeft(widths[i]));
            }

            text.Append('\n');
        }

        Line(header);
        foreach (var row in rows)
        {
            Line(row);
        }

        return text.ToString();
    }

    private static string Latency(double seconds) =>
        seconds < 1 ? (seconds * 1000).ToString("0", CultureInfo.InvariantCulture) + "ms" : seconds.ToString("0.00", CultureInfo.InvariantCulture) + "s";

    /// <summary>Progress on stderr: a redrawn bar on a terminal, a line every 10 % otherwise.</summary>
    private sealed class ProgressLine(TextWriter writer, bool terminal) : IProgress<double>
    {
        private readonly Lock _lock = new();
        private int _shown = -1;

        public void Report(double value)
        {
            lock (_lock)
            {
                var percent = (int)Math.Floor(Math.Clamp(value, 0, 1) * 100);
                if (terminal && percent != _shown)
                {
                    var filled = percent * 30 / 100;
                    writer.Write($"\rsimulate: [{new string('#', filled)}{new string('-', 30 - filled)}] {percent,3}%");
                    _shown = percent;
                }
                else if (!terminal && percent / 10 > _shown / 10 && percent >= 10)
                {
                    writer.WriteLine($"simulate: {percent / 10 * 10}%");
                    _shown = percent;
                }
            }
        }

        public void Clear()
        {
            if (terminal && _shown >= 0)
            {
                writer.Write("\r" + new string(' ', 50) + "\r");
            }
        }

        public void Done(double wallSeconds)
        {
            Clear();
            writer.WriteLine($"simulate: done in {wallSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s");
        }
    }
}
