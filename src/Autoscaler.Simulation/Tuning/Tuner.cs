using System.Diagnostics;
using System.Globalization;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;

namespace Autoscaler.Simulation.Tuning;

/// <summary>What <c>autoscaler tune</c> is asked (issue 16; docs/tune.md).</summary>
public sealed record TuneOptions
{
    /// <summary>The default <c>--candidates</c>: distinct policies the search may simulate.</summary>
    public const int DefaultCandidates = 200;

    /// <summary>The most <c>--candidates</c> a search takes.</summary>
    public const int MaxCandidates = 10_000;

    /// <summary>Distinct candidates the search simulates at most (the original counts as one).</summary>
    public int Candidates { get; init; } = DefaultCandidates;

    /// <summary>Seed of the search's own draws; the scenario's seed still decides its noise.</summary>
    public int Seed { get; init; }

    /// <summary>Most SLO-violation time a candidate may have, in percent of the span it runs on.</summary>
    public double MaxViolationPercent { get; init; } = TuningObjective.DefaultMaxViolationPercent;

    /// <summary>Share of the history held back from the search and scored at the end.</summary>
    public double ValidateFraction { get; init; } = HistorySplit.DefaultValidateFraction;

    /// <summary><c>--param</c> arguments: <c>NAME=LO..HI</c> or <c>NAME=VALUE</c>.</summary>
    public IReadOnlyList<string> Params { get; init; } = [];

    /// <summary>Most policies simulated at once; default: one per core.</summary>
    public int? Threads { get; init; }
}

/// <summary>One candidate the search simulated on its whole span, with its values and scores there.</summary>
/// <param name="Id">Its number, in the order the search made it (0 is the original policy when it is in the space).</param>
/// <param name="Values">A value for every parameter of the space.</param>
/// <param name="Spec">The policy.</param>
/// <param name="Score">Its scores on the search's span (the part of the history before the split).</param>
public sealed record TunedCandidate(int Id, IReadOnlyDictionary<string, double> Values, PolicySpec Spec, PolicyScore Score)
{
    /// <summary>True when no other candidate is at least as cheap and as close to the SLO and better in one of them.</summary>
    public bool OnFront { get; init; }
}

/// <summary>Progress of a search: candidates simulated so far, of the budget, and the best so far.</summary>
/// <param name="Done">Candidates simulated (at any span).</param>
/// <param name="Budget">The candidates the search may simulate at most.</param>
/// <param name="Phase">What the search is doing, in a few words.</param>
/// <param name="Best">The best candidate on the whole search span so far; null before the first reaches it.</param>
public sealed record TuneProgress(int Done, int Budget, string Phase, PolicyScore? Best);

/// <summary>What a search found, and the held part's verdict on it.</summary>
public sealed record TuneResult
{
    /// <summary>The scenario (the whole history).</summary>
    public required Scenario Scenario { get; init; }

    /// <summary>The split of the history.</summary>
    public required HistorySplit Split { get; init; }

    /// <summary>The space searched, after <c>--param</c>.</summary>
    public required SearchSpace Space { get; init; }

    /// <summary>The ranking.</summary>
    public required TuningObjective Objective { get; init; }

    /// <summary>The options of the search.</summary>
    public required TuneOptions Options { get; init; }

    /// <summary>The original policy's scores on the search span.</summary>
    public required PolicyScore OriginalSearch { get; init; }

    /// <summary>The search's best candidate.</summary>
    public required TunedCandidate Best { get; init; }

    /// <summary>The original policy scored on the held part (run over the whole history, scored from the split).</summary>
    public required PolicyScore OriginalHeld { get; init; }

    /// <summary>The best candidate scored on the held part.</summary>
    public required PolicyScore BestHeld { get; init; }

    /// <summary>The oracle on the held part.</summary>
    public required PolicyScore OracleHeld { get; init; }

    /// <summary>
    /// The validation run: the whole history under <c>original</c>, <c>tuned</c> (the best candidate) and the oracle,
    /// scored from the split on (its series cover the whole history), for the report's charts.
    /// </summary>
    public required SimulationResult Validation { get; init; }

    /// <summary>Every candidate simulated on the whole search span; the Pareto front among them is marked.</summary>
    public required IReadOnlyList<TunedCandidate> Candidates { get; init; }

    /// <summary>Distinct candidates the search made and simulated (at most <see cref="TuneOptions.Candidates"/>).</summary>
    public required int Tried { get; init; }

    /// <summary>Simulations run: a candidate on each halving rung it reached counts once per rung.</summary>
    public required int Simulated { get; init; }

    /// <summary>Value sets the policy rules refused (e.g. a threshold's down above its up), one example each kind.</summary>
    public required IReadOnlyList<string> Refused { get; init; }

    /// <summary>What limits the search that the user may change: e.g. a maxReplicas below what the history needs.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Simulated seconds, over every candidate and the validation.</summary>
    public required double SimulatedSeconds { get; init; }

    /// <summary>Wall-clock seconds the search and validation took.</summary>
    public required double WallSeconds { get; init; }

    /// <summary>True when the best candidate ranks above the original on the held part, so it is the one to keep.</summary>
    public bool Improved => Objective.Compare(BestHeld, OriginalHeld) < 0;

    /// <summary>The policy to keep: the tuned one when it is better on the held part, else the original.</summary>
    public PolicySpec Chosen => Improved ? Best.Spec : Space.Policy;

    /// <summary>The chosen policy's held-part scores.</summary>
    public PolicyScore ChosenHeld => Improved ? BestHeld : OriginalHeld;
}

/// <summary>
/// The search of <c>autoscaler tune</c>: a Latin hypercube of the policy's tunable fields, narrowed by successive halving
/// on growing spans of the history's search part, then a pattern search around the best with a shrinking step; the best
/// and the original are then scored on the held part (docs/tune.md). Deterministic for a seed: proposals come from one
/// <see cref="Random"/> on one thread, and the runner's results do not depend on its threads.
/// </summary>
public static class Tuner
{
    /// <summary>The shortest span a halving rung runs on: shorter spans say little about a policy's windows.</summary>
    private static readonly TimeSpan s_shortestRung = TimeSpan.FromHours(1);

    /// <summary>Searches <paramref name="policy"/>'s fields on <paramref name="scenario"/>'s history.</summary>
    /// <exception cref="ScenarioException">A bad option or <c>--param</c>, a split that leaves no step, or a policy the simulator cannot run on the scenario (one line each).</exception>
    public static TuneResult Run(Scenario scenario, PolicySpec policy, TuneOptions options, IProgress<TuneProgress>? progress = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        time ??= TimeProvider.System;
        var started = time.GetTimestamp();
        var (objective, split, space) = Check(scenario, policy, options);
        var search = new Search(split.Search with { Policies = [], Slo = objective.Slo }, space, objective, options, progress, cancellationToken);

        search.Go();
        var warnings = new List<string>();
        if (policy.MaxReplicas < search.MostNeeded)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"the policy's maxReplicas {policy.MaxReplicas} is below the {search.MostNeeded} replicas the SLO needs at the busiest moment of the search part (by the oracle's sizing): no value of the fields searched keeps the SLO there; raise maxReplicas, which tune leaves as written"));
        }

        // The held part: the original and the best run over the whole history, scored from the split on.
        var held = SimulationRunner.Run(
            scenario with
            {
                Slo = objective.Slo,
                ScoreFrom = split.At,
                Policies = [new PolicyChoice("original", policy), new PolicyChoice("tuned", search.Best.Spec)],
            },
            null,
            time,
            cancellationToken,
            options.Threads);
        var scores = held.Policies.ToDictionary(p => p.Score.Policy, p => p.Score, StringComparer.Ordinal);

        return new TuneResult
        {
            Scenario = scenario,
            Split = split,
            Space = space,
            Objective = objective,
            Options = options,
            OriginalSearch = search.OriginalScore(policy),
            Best = search.Best,
            OriginalHeld = scores["original"],
            BestHeld = scores["tuned"],
            OracleHeld = scores[BuiltInPolicies.Oracle],
            Validation = held,
            Candidates = search.Front(),
            Tried = search.Tried,
            Simulated = search.Simulated,
            Refused = search.Refused,
            Warnings = warnings,
            SimulatedSeconds = search.SimulatedSeconds + (2 * scenario.Duration.TotalSeconds),
            WallSeconds = time.GetElapsedTime(started).TotalSeconds,
        };
    }

    /// <summary>
    /// Checks everything a search needs before the first simulation, so that nothing runs (or is written) on a
    /// half-valid request: the options, the split, <c>--param</c>, and that the simulator can observe every query of
    /// the policy (one step of it is run; <paramref name="name"/> is the policy's in the messages).
    /// </summary>
    /// <exception cref="ScenarioException">One line per problem, each naming the flag or field.</exception>
    public static (TuningObjective Objective, HistorySplit Split, SearchSpace Space) Check(Scenario scenario, PolicySpec policy, TuneOptions options, string name = "original")
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Candidates is < 1 or > TuneOptions.MaxCandidates)
        {
            throw new ScenarioException(string.Create(CultureInfo.InvariantCulture, $"--candidates {options.Candidates} must be between 1 and {TuneOptions.MaxCandidates:N0}"));
        }

        var objective = TuningObjective.For(scenario.Slo, options.MaxViolationPercent);
        var split = HistorySplit.Of(scenario, options.ValidateFraction);
        var space = SearchSpace.From(policy).Narrow(options.Params);
        SimulationRunner.Run(scenario with { Duration = scenario.Step, Policies = [new PolicyChoice(name, policy)] }, threads: 1);
        return (objective, split, space);
    }

    /// <summary>The position 0..1 of <paramref name="value"/> in <paramref name="p"/>'s search range, on the scale <see cref="CandidateSampler"/> draws on.</summary>
    internal static double ToUnit(TunableParameter p, double value)
    {
        if (p.IsFixed)
        {
            return 0;
        }

        var u = p.SearchMin > 0
            ? (Math.Log(Math.Max(value, p.SearchMin)) - Math.Log(p.SearchMin)) / (Math.Log(p.SearchMax) - Math.Log(p.SearchMin))
            : (value - p.SearchMin) / (p.SearchMax - p.SearchMin);
        return Math.Clamp(u, 0, 1);
    }

    /// <summary>The candidates of one search and the state of its optimizer.</summary>
    private sealed class Search(Scenario scenario, SearchSpace space, TuningObjective objective, TuneOptions options, IProgress<TuneProgress>? progress, CancellationToken cancellationToken)
    {
        private readonly Dictionary<string, Candidate> _byKey = new(StringComparer.Ordinal);
        private readonly List<Candidate> _all = [];
        private readonly SortedDictionary<string, string> _refused = new(StringComparer.Ordinal);
        private readonly TimeSpan _span = scenario.Duration;
        private readonly TunableParameter[] _free = [.. space.Parameters.Where(p => !p.IsFixed)];
        private string _phase = "sampling";

        public TunedCandidate Best { get; private set; } = null!;

        public TunedCandidate? Original { get; private set; }

        public int Simulated { get; private set; }

        public int Tried => _all.Count;

        /// <summary>The most replicas the oracle's sizing asks for on the whole search span.</summary>
        public int MostNeeded { get; private set; }

        public double SimulatedSeconds { get; private set; }

        public IReadOnlyList<string> Refused => [.. _refused.Values];

        public void Go()
        {
            var budget = options.Candidates;
            var random = new Random(options.Seed);

            // 1. The original (when the space holds it) and a Latin hypercube: about 60 % of the budget, fewer when the
            //    space is small enough that a pattern search covers it better.
            var first = new List<Candidate>();
            if (Make(space.Parameters.ToDictionary(p => p.Name, p => p.Value)) is { } original)
            {
                original.IsOriginal = true;
                first.Add(original);
            }

            var sampled = _free.Length == 0 ? 0 : Math.Max(1, Math.Min(budget - first.Count, (int)Math.Round(budget * 0.6)));
            var seed = random.Next();
            foreach (var values in CandidateSampler.LatinHypercube(space, sampled, seed))
            {
                if (Make(values) is { } c && !first.Contains(c))
                {
                    first.Add(c);
                }
            }

            if (first.Count == 0)
            {
                throw new ScenarioException($"no candidate of the search space is a valid policy: {string.Join("; ", Refused)}");
            }

            // 2. Successive halving: every sample on the shortest span, the best third of them on twice that, … the
            //    survivors on the whole search span.
            var rungs = Rungs(_span, scenario.Step);
            var alive = first;
            for (var r = 0; r < rungs.Count; r++)
            {
                _phase = rungs.Count > 1 ? $"halving {r + 1}/{rungs.Count}" : "sampling";
                var scored = Simulate(alive, rungs[r]);
                if (r == rungs.Count - 1)
                {
                    break;
                }

                var keep = Math.Max(Math.Min(alive.Count, 2), (int)Math.Ceiling(alive.Count / 3.0));
                alive = [.. scored.OrderBy(s => s.Score, objective).ThenBy(s => s.Candidate.Id).Take(keep).Select(s => s.Candidate)];
            }

            // 3. Pattern search around the best: each parameter a step up and down (on the sampler's scale), the step
            //    halved when no neighbour is better, until the budget or the finest step is reached.
            _phase = "local search";
            var step = 0.25;
            var reserve = Math.Min(_free.Length + 1, budget / 10);
            while (_all.Count < budget - reserve && step >= 1.0 / 128 && _free.Length > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var centre = Best;
                var neighbours = new List<Candidate>();
                foreach (var p in _free)
                {
                    foreach (var direction in new[] { +1, -1 })
                    {
                        var u = ToUnit(p, centre.Values[p.Name]) + (direction * step);
                        if (u is < -1e-9 or > 1 + 1e-9)
                        {
                            continue;
                        }

                        var values = new Dictionary<string, double>(centre.Values, StringComparer.Ordinal) { [p.Name] = CandidateSampler.Between(p, Math.Clamp(u, 0, 1)) };
                        if (_all.Count < budget - reserve && Make(values) is { Full: false } c)
                        {
                            neighbours.Add(c);
                        }
                    }
                }

                neighbours = [.. neighbours.Distinct()];
                if (neighbours.Count == 0 || Simulate(neighbours, _span).All(s => objective.Compare(s.Score, centre.Score) >= 0))
                {
                    step /= 2;
                }
            }

            Simplify(budget);
        }

        /// <summary>
        /// 4. Back to the value written for every field whose tuned value buys almost nothing (at most
        /// <see cref="SimplifyTolerance"/> more replica-seconds, still meeting the objective): the search's noise in
        /// fields that do not matter on this history is not carried into the policy, and fewer changes are fewer ways
        /// to fit the search part's accidents. Each such field is tried alone, then all of them together.
        /// </summary>
        private void Simplify(int budget)
        {
            var best = Best;
            if (!objective.Accepts(best.Score))
            {
                return;
            }

            _phase = "simplifying";
            var trials = new List<(TunableParameter Parameter, Candidate Candidate)>();
            foreach (var p in _free.Where(p => best.Values[p.Name] != p.Round(p.Value)))
            {
                var values = new Dictionary<string, double>(best.Values, StringComparer.Ordinal) { [p.Name] = p.Round(p.Value) };
                if (_all.Count < budget && Make(values) is { } c)
                {
                    trials.Add((p, c));
                }
            }

            Simulate([.. trials.Select(t => t.Candidate).Where(c => !c.Full).Distinct()], _span);
            var harmless = trials.Where(t => NoWorse(t.Candidate.Score!, best.Score)).ToList();
            if (harmless.Count == 0)
            {
                return;
            }

            var reference = Best;
            var chosen = harmless.OrderBy(t => t.Candidate.Score!, objective).ThenBy(t => t.Candidate.Id).First().Candidate;
            if (harmless.Count > 1)
            {
                var all = new Dictionary<string, double>(best.Values, StringComparer.Ordinal);
                foreach (var (p, _) in harmless)
                {
                    all[p.Name] = p.Round(p.Value);
                }

                if (_all.Count < budget && Make(all) is { } combined)
                {
                    if (!combined.Full)
                    {
                        Simulate([combined], _span);
                    }

                    chosen = NoWorse(combined.Score!, reference.Score) ? combined : chosen;
                }
            }

            if (NoWorse(chosen.Score!, reference.Score))
            {
                Best = Tuned(chosen);
            }
        }

        /// <summary>The share of replica-seconds a simpler candidate may cost more than the best and still replace it.</summary>
        private const double SimplifyTolerance = 0.002;

        private bool NoWorse(PolicyScore score, PolicyScore best) =>
            objective.Accepts(score) && score.ReplicaSeconds <= best.ReplicaSeconds * (1 + SimplifyTolerance);

        private static TunedCandidate Tuned(Candidate c) => new(c.Id, c.Values, c.Spec, c.Score!);

        /// <summary>The spans of successive halving: the whole search span, and halves of it down to about a quarter, each at least an hour.</summary>
        private static List<TimeSpan> Rungs(TimeSpan span, TimeSpan step)
        {
            var rungs = new List<TimeSpan> { span };
            for (var i = 0; i < 2; i++)
            {
                var shorter = TimeSpan.FromTicks(rungs[0].Ticks / 2 / step.Ticks * step.Ticks);
                if (shorter < s_shortestRung || shorter < step)
                {
                    break;
                }

                rungs.Insert(0, shorter);
            }

            return rungs;
        }

        /// <summary>A candidate for <paramref name="values"/>, the one already made when there is one; null when the policy rules refuse it.</summary>
        public Candidate? Make(IReadOnlyDictionary<string, double> values)
        {
            var rounded = space.Parameters.ToDictionary(p => p.Name, p => p.Round(values[p.Name]), StringComparer.Ordinal);
            if (rounded.Any(v => space.Find(v.Key) is { } p && (v.Value < p.SearchMin || v.Value > p.SearchMax)))
            {
                return null;
            }

            var key = Key(rounded);
            if (_byKey.TryGetValue(key, out var known))
            {
                return known;
            }

            PolicySpec spec;
            try
            {
                spec = space.Apply(rounded);
            }
            catch (ScenarioException e)
            {
                // One example of each refusal, without the values (they differ from candidate to candidate).
                foreach (var problem in e.Problems)
                {
                    var reason = problem[(problem.IndexOf(": ", StringComparison.Ordinal) + 2)..];
                    _refused.TryAdd(reason, problem);
                }

                return null;
            }

            var candidate = new Candidate(_all.Count, rounded, spec);
            _byKey[key] = candidate;
            _all.Add(candidate);
            return candidate;
        }

        private string Key(IReadOnlyDictionary<string, double> values) =>
            string.Join(",", space.Parameters.Select(p => values[p.Name].ToString("R", CultureInfo.InvariantCulture)));

        /// <summary>
        /// The original policy's scores on the search span: from the search when its values are in the (narrowed) space,
        /// else from a run of its own that takes no part in the ranking.
        /// </summary>
        public PolicyScore OriginalScore(PolicySpec policy)
        {
            if (Original is { } original)
            {
                return original.Score;
            }

            var result = SimulationRunner.Run(scenario with { Policies = [new PolicyChoice("original", policy)] }, null, null, cancellationToken, options.Threads);
            SimulatedSeconds += 2 * _span.TotalSeconds;
            return result.Policies.Single(p => p.Score.Policy == "original").Score;
        }

        /// <summary>Simulates <paramref name="candidates"/> on the first <paramref name="span"/> of the search part, at most 64 a run.</summary>
        public List<(Candidate Candidate, PolicyScore Score)> Simulate(IReadOnlyList<Candidate> candidates, TimeSpan span)
        {
            var scored = new List<(Candidate, PolicyScore)>(candidates.Count);
            foreach (var batch in candidates.Chunk(Scenario.MaxPolicies))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var run = scenario with
                {
                    Duration = span,
                    Policies = [.. batch.Select(c => new PolicyChoice(c.Name, c.Spec))],
                };
                var result = SimulationRunner.Run(run, null, null, cancellationToken, options.Threads);
                var byName = result.Policies.ToDictionary(p => p.Score.Policy, p => p.Score, StringComparer.Ordinal);
                MostNeeded = span == _span ? result.OracleMostNeeded : MostNeeded;
                foreach (var c in batch)
                {
                    var score = byName[c.Name];
                    scored.Add((c, score));
                    if (span == _span)
                    {
                        c.Full = true;
                        c.Score = score;
                        var tuned = Tuned(c);
                        if (c.IsOriginal)
                        {
                            Original = tuned;
                        }

                        if (Best is null || objective.Compare(score, Best.Score) < 0)
                        {
                            Best = tuned;
                        }
                    }
                }

                Simulated += batch.Length;
                SimulatedSeconds += span.TotalSeconds * (batch.Length + 1);
                progress?.Report(new TuneProgress(Math.Min(_all.Count, options.Candidates), options.Candidates, _phase, Best?.Score));
            }

            return scored;
        }

        /// <summary>Every candidate run on the whole search span, the Pareto front (cost ratio, violation %) marked.</summary>
        public IReadOnlyList<TunedCandidate> Front()
        {
            var full = _all.Where(c => c.Full).ToList();
            return [.. full.Select(c => new TunedCandidate(c.Id, c.Values, c.Spec, c.Score!)
            {
                OnFront = !full.Any(o => o != c && Dominates(o.Score!, c.Score!)),
            })];
        }

        private static bool Dominates(PolicyScore a, PolicyScore b) =>
            a.ReplicaSeconds <= b.ReplicaSeconds && a.SloViolationPercent <= b.SloViolationPercent
            && (a.ReplicaSeconds < b.ReplicaSeconds || a.SloViolationPercent < b.SloViolationPercent);
    }

    /// <summary>A candidate of a running search.</summary>
    private sealed class Candidate(int id, IReadOnlyDictionary<string, double> values, PolicySpec spec)
    {
        public int Id { get; } = id;

        public string Name { get; } = string.Create(CultureInfo.InvariantCulture, $"c{id:0000}");

        public IReadOnlyDictionary<string, double> Values { get; } = values;

        public PolicySpec Spec { get; } = spec;

        public bool IsOriginal { get; set; }

        /// <summary>Simulated on the whole search span.</summary>
        public bool Full { get; set; }

        public PolicyScore? Score { get; set; }
    }
}
