using System.CommandLine;
using System.Globalization;
using Autoscaler.Core.Time;
using Autoscaler.Prometheus.Api;
using Autoscaler.Prometheus.History;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Cli.Commands;

/// <summary>
/// <c>autoscaler replay</c>: pull a demand series from Prometheus with <c>query_range</c> and simulate it, as a
/// scenario whose workload is that history.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var prometheus = new Option<string>("--prometheus") { Description = "Prometheus' address", DefaultValueFactory = _ => "http://127.0.0.1:9090" };
        var query = new Option<string>("--query")
        {
            Description = "PromQL of the demand, one series, e.g. sum(rate(webapp_request_count_total[1m])); it must not depend on how many replicas ran (a request rate, not a latency)",
            Required = true,
        };
        var start = new Option<string>("--start") { Description = "Start of the range: RFC 3339 (2026-11-28T09:00:00Z), Unix seconds, or now-DURATION (now-2h)", Required = true };
        var end = new Option<string>("--end") { Description = "End of the range, as --start; default now", DefaultValueFactory = _ => "now" };
        var step = VerbOptions.Duration("--step", "Resolution of the history [default: the range / 10000, at least 1s]");
        var policy = new Option<string[]>("--policy")
        {
            Description = $"A policy to simulate: {string.Join(", ", BuiltInPolicies.Names.Where(n => n != BuiltInPolicies.Oracle))}, or a policy file (ours, a HorizontalPodAutoscaler or a KEDA ScaledObject); repeatable [default: threshold and hpa]",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var scenario = new Option<string?>("--scenario") { Description = "Take the service model, SLO, cost, replicas and policies from this scenario file (its workload is replaced)" };
        var seed = new Option<int?>("--seed") { Description = "Random seed" };
        var output = new Option<string?>("--output") { Description = "Directory for summary.json, the CSV series, the charts and report.html [default: ./simulation-output/replay]" };
        var budget = SimulateCommand.ViolationBudgetOption();

        var command = new Command("replay", """
            Replay real history: fetch the demand series of --query from Prometheus (query_range over --start..--end),
            and simulate it as the workload of a scenario, under each policy and the oracle (see `autoscaler simulate`).
            The demand must not depend on how many replicas ran at the time: use a request rate (a total over every
            replica), not a latency or a per-replica value, or the replay shows the old policy's effect, not the demand.
            A query that returns several series is refused: add them up with sum(...).
            Exit code 2 for a bad flag, query or range; 1 when Prometheus cannot be reached.
            Example:
              autoscaler replay --query 'sum(rate(webapp_request_count_total[1m]))' --start now-1h --policy hpa
            """)
        {
            prometheus, query, start, end, step, policy, scenario, seed, output, budget,
        };

        command.SetAction(async (parse, _) =>
        {
            using var interruption = new Interruption();
            var request = new HistoryRequest(parse.GetValue(prometheus)!, parse.GetValue(query)!, parse.GetValue(start)!, parse.GetValue(end)!, parse.GetValue(step));
            Scenario s;
            try
            {
                s = SimulateCommand.WithBudget(await HistoryScenarioAsync("replay", request, parse.GetValue(scenario), parse.GetValue(seed), parse.GetValue(policy) ?? [], interruption.Token), parse.GetValue(budget));
            }
            catch (OperationCanceledException) when (interruption.Requested)
            {
                return await SimulateCommand.InterruptedAsync("replay");
            }
            catch (ScenarioException e)
            {
                return await SimulateCommand.ReportAsync(e, "replay");
            }
            catch (DemandHistoryException e)
            {
                await Console.Error.WriteLineAsync($"autoscaler replay: {e.Message}");
                return e.IsUsageError ? ExitCodes.Usage : ExitCodes.Failure;
            }

            return await SimulateCommand.RunAsync(s, parse.GetValue(output) ?? Path.Combine("simulation-output", "replay"), interruption);
        });
        return command;
    }

    /// <summary>What to fetch from Prometheus: the demand's query over a range (replay's and tune's flags, as given).</summary>
    internal sealed record HistoryRequest(string Prometheus, string Query, string Start, string End, TimeSpan? Step);

    /// <summary>
    /// Fetches the demand history and makes it the workload of a scenario (the service, SLO and policies of
    /// <paramref name="scenarioPath"/> when given). The range and step are checked before Prometheus is asked anything.
    /// </summary>
    /// <exception cref="ScenarioException">A bad range, step or scenario (exit 2).</exception>
    /// <exception cref="DemandHistoryException">Prometheus refused the query or could not be reached.</exception>
    internal static async Task<Scenario> HistoryScenarioAsync(string verb, HistoryRequest request, string? scenarioPath, int? seed, string[] policies, CancellationToken cancellationToken)
    {
        var now = TimeProvider.System.GetUtcNow();
        if (!TryTime(request.Start, now, out var from) || !TryTime(request.End, now, out var to))
        {
            throw new ScenarioException("--start and --end take RFC 3339 (2026-11-28T09:00:00Z), Unix seconds, now, or now-DURATION (now-2h)");
        }

        var window = HistoryWindow.Checked(from, to, request.Step);

        // A scenario file is read before the fetch, so that a mistake in it costs no query.
        var baseScenario = scenarioPath is null ? null : ScenarioFile.Load(scenarioPath);
        var names = policies.Length > 0 ? policies : scenarioPath is not null ? [] : ScenarioFile.DefaultPolicies;
        using var client = new PrometheusClient(new PrometheusClientOptions { Url = request.Prometheus });
        return await HistoryScenarioAsync(
            client, request.Query, window, baseScenario, seed, s => s.WithPolicies(names, Directory.GetCurrentDirectory()),
            line => Console.Error.WriteLine($"{verb}: {line}"), cancellationToken);
    }

    /// <summary>
    /// Fetches the demand of <paramref name="query"/> over <paramref name="window"/> through <paramref name="client"/> and
    /// makes it the workload of <paramref name="fromFile"/> (or of a scenario of defaults), with the policies
    /// <paramref name="withPolicies"/> adds; what it fetches is said to <paramref name="log"/>. Replay, tune and the
    /// console's replays all come through here.
    /// With <paramref name="fromFirstPoint"/> the run starts at the first point Prometheus holds rather than at the
    /// window's start, so that a window longer than the history is not padded with made-up demand.
    /// </summary>
    /// <exception cref="ScenarioException">A policy that cannot be added, or (from the first point) too little history.</exception>
    /// <exception cref="DemandHistoryException">Prometheus refused the query or could not be reached.</exception>
    internal static async Task<Scenario> HistoryScenarioAsync(
        PrometheusClient client, string query, HistoryWindow window, Scenario? fromFile, int? seed, Func<Scenario, Scenario> withPolicies, Action<string> log, CancellationToken cancellationToken,
        bool fromFirstPoint = false)
    {
        log($"fetching {query} from {window.From:O} to {window.To:O} every {Durations.Format(window.Step)}");
        var history = await DemandHistory.FetchAsync(client, query, window.From, window.To, window.Step, cancellationToken);
        var length = window.To - window.From;
        var points = history.AsTrace();
        if (fromFirstPoint && history.Points[0].Seconds >= window.Step.TotalSeconds)
        {
            var skipped = history.Points[0].Seconds;
            length -= TimeSpan.FromSeconds(skipped);
            if (length < MinHistory)
            {
                throw new ScenarioException($"Prometheus holds only {Durations.Humanize(length)} of {query} in that range; a replay needs at least {Durations.Humanize(MinHistory)} of history");
            }

            log($"Prometheus holds {Durations.Humanize(length)} of it; replaying that");
            points = points.Select(p => (p.Seconds - skipped, p.Rate));
        }

        var workload = TraceRate.FromSeconds(points);
        var baseScenario = fromFile ?? new Scenario { Duration = length, Workload = workload };
        return withPolicies(baseScenario with { Name = "replay", Duration = length, Workload = workload, Seed = seed ?? baseScenario.Seed });
    }

    // The shortest history worth a replay that starts at the first point Prometheus holds.
    private static readonly TimeSpan MinHistory = TimeSpan.FromSeconds(10);

    /// <summary>A range of history to fetch and its resolution, held to what a trace may be.</summary>
    internal sealed record HistoryWindow(DateTimeOffset From, DateTimeOffset To, TimeSpan Step)
    {
        /// <summary>The window <paramref name="from"/>..<paramref name="to"/> at <paramref name="step"/> (default: the range / 10000, at least 1 s).</summary>
        /// <exception cref="ScenarioException">An empty range, a step of 0 or less, or a range a trace cannot hold.</exception>
        public static HistoryWindow Checked(DateTimeOffset from, DateTimeOffset to, TimeSpan? step)
        {
            if (to <= from)
            {
                throw new ScenarioException($"--end ({to:O}) must be after --start ({from:O})");
            }

            var resolution = step ?? TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((to - from).TotalSeconds / 10_000)));
            if (resolution <= TimeSpan.Zero)
            {
                throw new ScenarioException("--step must be longer than 0s");
            }

            // The history becomes a trace: held to a trace's bounds before Prometheus is asked for anything.
            if (to - from > Scenario.MaxDuration)
            {
                throw new ScenarioException($"--start to --end spans {Durations.Humanize(to - from)}, more than {RatePatterns.MaxDurationText}, the longest run the simulator takes");
            }

            if ((to - from) / resolution > TraceRate.MaxRows)
            {
                throw new ScenarioException(string.Create(CultureInfo.InvariantCulture,
                    $"--step {Durations.Format(resolution)} makes {(to - from) / resolution:N0} points, more than the {TraceRate.MaxRows:N0} a trace may have; use a longer --step"));
            }

            return new HistoryWindow(from, to, resolution);
        }
    }

    private static bool TryTime(string text, DateTimeOffset now, out DateTimeOffset time)
    {
        text = text.Trim();
        if (text == "now")
        {
            time = now;
            return true;
        }

        if (text.StartsWith("now-", StringComparison.Ordinal) && Durations.TryParse(text[4..], out var ago))
        {
            time = now - ago;
            return true;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var unix))
        {
            time = DateTimeOffset.FromUnixTimeMilliseconds((long)(unix * 1000));
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }
}
