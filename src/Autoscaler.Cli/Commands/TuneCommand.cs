using System.CommandLine;
using System.Globalization;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Time;
using Autoscaler.Prometheus.History;
using Autoscaler.Simulation.Reports;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Tuning;
using Spectre.Console;

namespace Autoscaler.Cli.Commands;

/// <summary>
/// <c>autoscaler tune</c>: search a policy's tunable fields for the cheapest policy that keeps the SLO on a scenario's
/// history (or Prometheus' history, as <c>replay</c> reads it), and score it on a part of the history the search never saw.
/// </summary>
internal static class TuneCommand
{
    public static Command Create()
    {
        var scenario = new Argument<string?>("scenario")
        {
            Description = "The scenario whose history to tune on (YAML, as simulate reads); with --query, it gives the service, SLO and replicas and Prometheus the workload",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var policy = new Option<string>("--policy")
        {
            Description = $"The policy to tune: {string.Join(", ", BuiltInPolicies.Names.Where(n => n != BuiltInPolicies.Oracle))}, or a policy file (ours, a HorizontalPodAutoscaler or a KEDA ScaledObject)",
            Required = true,
        };
        var output = new Option<string?>("--output") { Description = "Directory for best.yaml, pareto.csv, pareto.png, summary.json and report.html [default: ./tune-output/SCENARIO]" };
        var candidates = new Option<int>("--candidates")
        {
            Description = $"Distinct policies the search may simulate (the original counts as one) [default: {TuneOptions.DefaultCandidates}]",
            DefaultValueFactory = _ => TuneOptions.DefaultCandidates,
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the search's draws: the same seed and inputs give the same best.yaml [default: 0]" };
        var maxViolation = new Option<string>("--max-violation")
        {
            Description = "Most of the time a candidate may break the SLO, in percent [default: 0.5%]",
            DefaultValueFactory = _ => TuningObjective.DefaultMaxViolationPercent.ToString(CultureInfo.InvariantCulture) + "%",
        };
        var validate = new Option<double>("--validate-fraction")
        {
            Description = $"The last share of the history held back from the search; the chosen and the original policy are scored on it [default: {HistorySplit.DefaultValidateFraction.ToString(CultureInfo.InvariantCulture)}]",
            DefaultValueFactory = _ => HistorySplit.DefaultValidateFraction,
        };
        var param = new Option<string[]>("--param")
        {
            Description = "Narrow or fix a field: NAME=LO..HI searches that range, NAME=VALUE fixes it (durations with units: checkInterval=5s..30s); repeatable. Names as in the policy file, e.g. metrics[rps].target.value, behavior.scaleDown.stabilizationWindowSeconds",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var export = new Option<string?>("--export") { Description = "Also write the policy kept as a HorizontalPodAutoscaler (hpa) or a KEDA ScaledObject (keda), as autoscaler export does" };
        export.AcceptOnlyFromAmong("hpa", "keda");
        var duration = VerbOptions.Duration("--duration", "Simulated time, in place of the scenario's (e.g. 7d)");
        var prometheus = new Option<string>("--prometheus-url", "--prometheus") { Description = "With --query: Prometheus' address", DefaultValueFactory = _ => "http://127.0.0.1:9090" };
        var query = new Option<string?>("--query") { Description = "Tune on Prometheus' history instead of a scenario's workload: PromQL of the demand, one series, e.g. sum(rate(webapp_request_count_total[1m]))" };
        var start = new Option<string?>("--start") { Description = "With --query: start of the range (RFC 3339, Unix seconds, or now-DURATION)" };
        var end = new Option<string>("--end") { Description = "With --query: end of the range, as --start", DefaultValueFactory = _ => "now" };
        var step = VerbOptions.Duration("--step", "With --query: resolution of the history [default: the range / 10000, at least 1s]");

        var command = new Command("tune", """
            Fit a policy to a history: search its tunable fields (targets and tolerances, thresholds, check interval,
            stabilization windows, rate limits and cooldowns, the predictive and slo rules' settings) for the cheapest
            policy, in replica-seconds, whose SLO-violation time is within --max-violation and whose dropped requests are
            within the scenario's slo.maxErrorRate, fewer scale actions breaking a tie. Replica limits and queries stay as
            written. The search (a Latin hypercube, successive halving on growing spans, then a pattern search around the
            best) sees only the first part of the history; the best candidate and the original are then scored on the
            last --validate-fraction of it, and the tuned policy is kept only when it is better there.
            Writes best.yaml (the policy kept, with how it scored), pareto.csv and pareto.png (every candidate: cost
            against the oracle and violation time), summary.json, report.html and, with --export, best-hpa.yaml or
            best-keda.yaml. Exit code 2 for a bad flag, scenario, policy or --param (nothing is written); 1 when
            Prometheus cannot be reached; 130 when interrupted.
            Examples:
              autoscaler tune scenarios/benchmark/week.yaml --policy deploy/policies/hpa-request-rate.yaml
              autoscaler tune scenarios/spike.yaml --policy hpa --param metrics[cpu].target.value=0.4..0.8 --export hpa
              autoscaler tune --query 'sum(rate(webapp_request_count_total[1m]))' --start now-7d --policy my-policy.yaml
            """)
        {
            scenario, policy, output, candidates, seed, maxViolation, validate, param, export, duration, prometheus, query, start, end, step,
        };

        command.SetAction(async (parse, _) =>
        {
            using var interruption = new Interruption();
            var exportFormat = parse.GetValue(export);
            Scenario s;
            PolicySpec spec;
            TuneOptions options;
            SearchSpace space;
            try
            {
                options = new TuneOptions
                {
                    Candidates = parse.GetValue(candidates),
                    Seed = parse.GetValue(seed),
                    MaxViolationPercent = TuningObjective.ParsePercent(parse.GetValue(maxViolation)!),
                    ValidateFraction = parse.GetValue(validate),
                    Params = parse.GetValue(param) ?? [],
                };
                var scenarioPath = parse.GetValue(scenario);
                if (parse.GetValue(query) is { } promql)
                {
                    var request = new ReplayCommand.HistoryRequest(parse.GetValue(prometheus)!, promql,
                        parse.GetValue(start) ?? throw new ScenarioException("--query needs --start: the start of the history to tune on (e.g. now-7d)"),
                        parse.GetValue(end)!, parse.GetValue(step));
                    s = await ReplayCommand.HistoryScenarioAsync("tune", request, scenarioPath, null, [], interruption.Token);
                }
                else
                {
                    s = await Task.Run(() => ScenarioFile.Load(scenarioPath ?? throw new ScenarioException("give a scenario file, or --query and --start to tune on Prometheus' history")), interruption.Token)
                        .WaitAsync(interruption.Token);
                }

                if (parse.GetValue(duration) is { } d)
                {
                    s = d > TimeSpan.Zero ? s with { Duration = d } : throw new ScenarioException("--duration must be longer than 0s");
                }

                // The policy is resolved against the scenario (built-in names take its service and replica limits).
                var choice = (s with { Policies = [] }).WithPolicies([parse.GetValue(policy)!], Directory.GetCurrentDirectory()).Policies[0];
                spec = choice.Spec;
                s = s with { Policies = [] };

                // Everything the run will need is checked now: an export the policy cannot take fails before the search.
                if (exportFormat is not null)
                {
                    KubernetesFormats.Write(spec, exportFormat);
                }

                space = Tuner.Check(s, spec, options, choice.Name).Space;
            }
            catch (ScenarioException e)
            {
                return await SimulateCommand.ReportAsync(e, "tune");
            }
            catch (PolicyFileException e)
            {
                foreach (var problem in e.Problems)
                {
                    await Console.Error.WriteLineAsync($"autoscaler tune: --export {exportFormat}: {problem}");
                }

                return ExitCodes.Usage;
            }
            catch (DemandHistoryException e)
            {
                await Console.Error.WriteLineAsync($"autoscaler tune: {e.Message}");
                return e.IsUsageError ? ExitCodes.Usage : ExitCodes.Failure;
            }
            catch (OperationCanceledException) when (interruption.Requested)
            {
                return await SimulateCommand.InterruptedAsync("tune");
            }

            var directory = parse.GetValue(output) ?? Path.Combine("tune-output", s.Name);
            return await RunAsync(s, spec, space, options, exportFormat, directory, interruption);
        });
        return command;
    }

    private static async Task<int> RunAsync(Scenario scenario, PolicySpec policy, SearchSpace space, TuneOptions options, string? export, string directory, Interruption interruption)
    {
        var stop = interruption.Token;
        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"tune: {scenario.Name}: {Durations.Humanize(scenario.Duration)} at a {Durations.Humanize(scenario.Step)} step; {space.Parameters.Count(p => !p.IsFixed)} of {space.Parameters.Count} fields searched, up to {options.Candidates} candidates, seed {options.Seed}"));
        TuneResult result;
        try
        {
            result = Console.IsErrorRedirected
                ? await Task.Run(() => Tuner.Run(scenario, policy, options, new ProgressLines(Console.Error), TimeProvider.System, stop), stop)
                : await RunWithProgressBarAsync(scenario, policy, options, stop);
        }
        catch (ScenarioException e)
        {
            return await SimulateCommand.ReportAsync(e, "tune");
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return await SimulateCommand.InterruptedAsync("tune");
        }

        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"tune: done in {result.WallSeconds:0.0} s: {result.Simulated} simulations, {result.SimulatedSeconds / 1e6:0.#} M simulated seconds"));
        foreach (var warning in result.Warnings)
        {
            await Console.Error.WriteLineAsync($"warning: {warning}");
        }

        WriteSummary(Console.Out, result);

        IReadOnlyList<(string File, string Text)> files;
        try
        {
            files = TuneOutput.Render(result, export);
        }
        catch (PolicyFileException e)
        {
            // Checked before the search for the original; a tuned value the format cannot hold lands here.
            await Console.Error.WriteLineAsync($"autoscaler tune: --export {export}: {string.Join("; ", e.Problems)}");
            return ExitCodes.Failure;
        }

        var written = new List<string>();
        try
        {
            var path = Path.GetFullPath(directory);
            Directory.CreateDirectory(path);
            foreach (var (file, text) in files)
            {
                written.Add(file);
                await File.WriteAllTextAsync(Path.Combine(path, file), text, CancellationToken.None);
            }

            written.AddRange(TuneReport.Write(result, path).Select(Path.GetFileName)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ReportOutputException)
        {
            await Console.Error.WriteLineAsync($"autoscaler tune: cannot write to '{directory}': {e.Message}");
            return ExitCodes.Failure;
        }

        if (export is not null)
        {
            foreach (var lost in KubernetesFormats.Unexpressed(result.Chosen, export))
            {
                await Console.Error.WriteLineAsync($"warning: not exported: {lost}");
            }
        }

        await Console.Out.WriteLineAsync($"wrote {string.Join(", ", written)} to {Path.GetFullPath(directory)}");
        return ExitCodes.Ok;
    }

    /// <summary>The outcome for a reader: the held part's scores of the original and the tuned policy, the verdict, what changed.</summary>
    internal static void WriteSummary(TextWriter writer, TuneResult result)
    {
        var c = CultureInfo.InvariantCulture;
        writer.WriteLine($"{result.Scenario.Name}: searched the first {Durations.Humanize(result.Split.At)}, scored on the last {Durations.Humanize(result.Split.Held)} (held back)");
        writer.WriteLine($"objective: the fewest replica-seconds that meet the SLO: {result.Objective.Slo.Describe()}");
        writer.WriteLine();
        writer.WriteLine("held part   ×oracle  SLO violated  errors  actions  objective");
        foreach (var (name, score) in new[] { ("original", result.OriginalHeld), ("tuned", result.BestHeld) })
        {
            writer.WriteLine(string.Create(c,
                $"{name,-10}  {score.CostRatioToOracle,7:0.000}  {score.SloViolationPercent,11:0.00}%  {score.ErrorRate * 100,5:0.00}%  {score.ScaleActions,7}  {(result.Objective.Accepts(score) ? "met" : "missed")}"));
        }

        writer.WriteLine();
        writer.WriteLine(TuneOutput.Verdict(result));
        foreach (var (p, from, to) in TuneOutput.Changed(result))
        {
            writer.WriteLine($"  {p.Name}: {p.Format(from)} -> {p.Format(to)}");
        }
    }

    private static Task<TuneResult> RunWithProgressBarAsync(Scenario scenario, PolicySpec policy, TuneOptions options, CancellationToken cancellationToken) =>
        Terminal.For(Console.Error, interactive: true).Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(context =>
            {
                var task = context.AddTask("tune", maxValue: options.Candidates);
                return Task.Run(() => Tuner.Run(scenario, policy, options, new Progress(task), TimeProvider.System, cancellationToken), cancellationToken);
            });

    private static string Describe(TuneProgress p) => p.Best is { } best
        ? string.Create(CultureInfo.InvariantCulture, $"{p.Phase}: best {best.CostRatioToOracle:0.000}× oracle, {best.SloViolationPercent:0.00}% violated")
        : p.Phase;

    private sealed class Progress(ProgressTask task) : IProgress<TuneProgress>
    {
        public void Report(TuneProgress value)
        {
            task.Value = value.Done;
            task.Description = Markup.Escape(Describe(value));
        }
    }

    /// <summary>Progress for a log: a line when the phase changes or every further tenth of the budget.</summary>
    private sealed class ProgressLines(TextWriter writer) : IProgress<TuneProgress>
    {
        private readonly Lock _lock = new();
        private int _tenth = -1;
        private string _phase = "";

        public void Report(TuneProgress value)
        {
            var tenth = value.Done * 10 / Math.Max(1, value.Budget);
            lock (_lock)
            {
                if (tenth > _tenth || value.Phase != _phase)
                {
                    (_tenth, _phase) = (tenth, value.Phase);
                    writer.WriteLine($"tune: {value.Done}/{value.Budget} candidates, {Describe(value)}");
                }
            }
        }
    }
}
