using System.Globalization;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Scenarios;

namespace Autoscaler.Simulation.Runner;

/// <summary>Which runs of a capped scenario to simulate.</summary>
public enum FleetCapMode
{
    /// <summary>With the cap and without it, side by side (the default: the cap's effect is the difference).</summary>
    Compare,

    /// <summary>With the cap only.</summary>
    Capped,

    /// <summary>Without the cap only: each service as if it ran alone.</summary>
    Uncapped,
}

/// <summary>
/// Runs a scenario with several services (<see cref="Scenario.Services"/>) sharing one machine budget: per run (one per
/// scenario policy), every service's own decision pipeline in lockstep, with <see cref="FleetCap"/> between what each
/// proposes and what is applied; the services' oracles on their own, never held to the cap. Scored per service as a
/// single-service run is, and in total.
/// </summary>
public static class FleetRunner
{
    /// <summary>Runs <paramref name="scenario"/>; see <see cref="SimulationRunner.Run"/> for the other parameters.</summary>
    /// <exception cref="ScenarioException">The scenario cannot run.</exception>
    public static FleetResult Run(Scenario scenario, FleetCapMode mode = FleetCapMode.Compare, IProgress<double>? progress = null, TimeProvider? time = null, CancellationToken cancellationToken = default, int? threads = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        if (!scenario.IsFleet)
        {
            throw new ArgumentException("the scenario lists no services; run it with SimulationRunner", nameof(scenario));
        }

        time ??= TimeProvider.System;
        var started = time.GetTimestamp();
        var services = Prepare(scenario);
        var cap = scenario.TotalReplicas;
        List<bool> settings = cap is null || mode == FleetCapMode.Uncapped ? [false] : mode == FleetCapMode.Capped ? [true] : [true, false];

        var first = services[0];
        PolicySimulation[]? oracles = null;
        FleetGroup[]? groups = null;
        long overCap = 0;
        var mostNeeded = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads ?? Environment.ProcessorCount), CancellationToken = cancellationToken };
        for (long start = 0; start < first.TotalSteps; start += SimulationRunner.ChunkSteps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = (int)Math.Min(SimulationRunner.ChunkSteps, first.TotalSteps - start);
            foreach (var service in services)
            {
                service.Fill(start, count, cancellationToken);
            }

            (overCap, mostNeeded) = CountOverCap(services, start, count, cap, overCap, mostNeeded);

            // Made once the first chunk is read: the oracle starts with what it needs at the first step.
            oracles ??= [.. services.Select(service => service.Simulation(service.Policies[0]))];
            groups ??= [.. settings.SelectMany(capped => scenario.Policies.Select((run, r) => new FleetGroup(
                run.Name,
                [.. services.Select(service => service.Simulation(service.Policies[r + 1]))],
                [.. services.Select(service => service.Scenario.Name)],
                capped ? cap : null,
                first.Context.StepSeconds)))];
            var (s, c) = (start, count);
            try
            {
                // The oracles run alone; each group is one run of every service in lockstep.
                Parallel.For(0, oracles.Length + groups.Length, options, i =>
                {
                    if (i < oracles.Length)
                    {
                        oracles[i].Run(s, c, services[i].Demand, services[i].Need, services[i].Target, cancellationToken);
                    }
                    else
                    {
                        groups[i - oracles.Length].Run(s, c, services, cancellationToken);
                    }
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                throw e.InnerExceptions[0];
            }

            foreach (var service in services)
            {
                service.Carry(count);
            }

            progress?.Report((double)(start + count) / first.TotalSteps);
        }

        var wall = time.GetElapsedTime(started).TotalSeconds;
        FleetOutcome Outcome(bool capped)
        {
            var mine = groups!.Where(g => (g.Cap is not null) == capped).ToArray();
            var results = services.Select((service, i) => service.Result([oracles![i], .. mine.Select(g => g.Services[i])], wall)).ToList();
            var totals = new List<FleetTotal> { Total(BuiltInPolicies.Oracle, results, null) };
            totals.AddRange(mine.Select(g => Total(g.Policy, results, g)));
            return new FleetOutcome(capped, results, totals);
        }

        var step = first.Context.StepSeconds;
        return new FleetResult(scenario.Name, scenario.Seed, (first.TotalSteps - first.Context.ScoreFromStep) * step, step, scenario.Slo, scenario.CostPerReplicaHour, wall, cap,
            settings.Contains(true) ? Outcome(true) : null,
            settings.Contains(false) ? Outcome(false) : null)
        {
            OraclesOverCapSeconds = overCap * step,
            OraclesMostReplicas = mostNeeded,
        };
    }

    // Every service alone, as a single-service scenario: the same checks and bindings, with the service named in messages.
    private static List<ServiceRun> Prepare(Scenario scenario)
    {
        var problems = new List<string>();
        var services = new List<ServiceRun>();
        var c = CultureInfo.InvariantCulture;
        for (var i = 0; i < scenario.Services.Count; i++)
        {
            var service = scenario.Services[i];
            var alone = service.Alone(scenario);
            if (service.Policies.Count != scenario.Policies.Count)
            {
                problems.Add(string.Create(c, $"services[{i}] ({service.Name}): runs {service.Policies.Count} policies, but the scenario has {scenario.Policies.Count} runs; give each service one policy per run"));
                continue;
            }

            var checks = SimulationRunner.Check(alone);
            if (checks.Count > 0)
            {
                problems.AddRange(checks.Select(p => $"services[{i}] ({service.Name}): {p}"));
                continue;
            }

            try
            {
                services.Add(new ServiceRun(alone));
            }
            catch (ScenarioException e)
            {
                problems.AddRange(e.Problems.Select(p => $"services[{i}] ({service.Name}): {p}"));
            }
        }

        if (scenario.Services.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != scenario.Services.Count)
        {
            problems.Add("services: two services have the same name; each needs its own (it names its rows and its output directory)");
        }

        if (scenario.TotalReplicas is { } cap && problems.Count == 0)
        {
            // A policy file keeps its own limits, so the cap is checked against what each run really starts with.
            for (var r = 0; r < scenario.Policies.Count; r++)
            {
                var policies = scenario.Services.Select(s => s.Policies[r].Spec).ToList();
                var mins = policies.Sum(p => (long)p.MinReplicas);
                var starts = scenario.Services.Zip(policies, (s, p) => (long)Math.Clamp(s.InitialReplicas, p.MinReplicas, Math.Max(p.MinReplicas, p.MaxReplicas))).Sum();
                if (cap < 1 || mins > cap || starts > cap)
                {
                    problems.Add(string.Create(c,
                        $"replicas.total: {cap} cannot hold the services under policy '{scenario.Policies[r].Name}': their minimums are {mins} and they start with {starts} replicas in all; the cap must be at least both"));
                }
            }
        }

        return problems.Count == 0 ? services : throw new ScenarioException(problems);
    }

    // Scored steps of this chunk in which the oracles together need more than the cap, and the most they need together.
    private static (long OverCap, int Most) CountOverCap(List<ServiceRun> services, long start, int count, int? cap, long overCap, int most)
    {
        var context = services[0].Context;
        for (var i = 0; i < count; i++)
        {
            var k = start + i;
            if (k < context.ScoreFromStep)
            {
                continue;
            }

            var sum = 0L;
            foreach (var service in services)
            {
                sum += service.Need[i];
            }

            most = (int)Math.Max(most, Math.Min(sum, int.MaxValue));
            overCap += cap is { } c && sum > c ? 1 : 0;
        }

        return (overCap, most);
    }

    private static FleetTotal Total(string policy, List<SimulationResult> results, FleetGroup? group)
    {
        var scores = results.Select(r => r.Policies.Single(p => p.Score.Policy == policy)).ToList();
        var oracle = results.Sum(r => r.Policies.Single(p => p.IsOracle).Score.ReplicaSeconds);
        var replicaSeconds = scores.Sum(s => s.Score.ReplicaSeconds);
        var dropped = scores.Sum(s => s.Score.DroppedRequests);
        var offered = scores.Sum(s => s.Score.OfferedRequests);
        var series = scores[0].Series.Select((point, i) => new FleetPoint(
            point.Seconds,
            scores.Sum(s => s.Series[i].ReadyReplicas),
            scores.Sum(s => s.Series[i].DesiredReplicas),
            scores.Sum(s => s.Series[i].OracleReplicas))).ToList();
        return new FleetTotal
        {
            Policy = policy,
            MeetsSlo = scores.All(s => s.Score.MeetsSlo),
            ReplicaSeconds = replicaSeconds,
            Cost = scores.Sum(s => s.Score.Cost),
            CostRatioToOracle = oracle > 0 ? replicaSeconds / oracle : 0,
            SloViolationSeconds = scores.Sum(s => s.Score.SloViolationSeconds),
            DroppedRequests = dropped,
            OfferedRequests = offered,
            ErrorRate = offered > 0 ? Math.Min(1, (double)dropped / offered) : 0,
            ScaleActions = scores.Sum(s => s.Score.ScaleActions),
            CappedEvaluations = group?.CappedByService.Sum() ?? 0,
            CappedByService = results.Select((r, i) => (r.Scenario, group?.CappedByService[i] ?? 0)).ToDictionary(x => x.Scenario, x => x.Item2, StringComparer.Ordinal),
            MostReplicas = group?.MostReplicas ?? series.Select(p => p.TargetReplicas).DefaultIfEmpty(0).Max(),
            Series = series,
            Decisions = group is null ? [] : [.. group.Decisions.OrderBy(d => d.Seconds).ThenBy(d => d.Service, StringComparer.Ordinal)],
        };
    }

    /// <summary>One run of every service under one policy, in lockstep, with or without the cap.</summary>
    private sealed class FleetGroup(string policy, PolicySimulation[] services, string[] names, int? cap, double stepSeconds)
    {
        private readonly FleetAsk[] _asks = new FleetAsk[services.Length];
        private readonly bool[] _due = new bool[services.Length];
        private readonly int[] _kept = new int[services.Length];

        public string Policy => policy;

        public int? Cap => cap;

        public PolicySimulation[] Services => services;

        public int[] CappedByService { get; } = new int[services.Length];

        public List<FleetCapDecision> Decisions { get; } = [];

        public int MostReplicas { get; private set; }

        public void Run(long start, int count, List<ServiceRun> runs, CancellationToken cancellationToken)
        {
            for (var i = 0; i < count; i++)
            {
                if ((i & 4095) == 4095)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var k = start + i;
                var anyDue = false;
                for (var j = 0; j < services.Length; j++)
                {
                    var service = services[j];
                    service.Observe(k);
                    _due[j] = service.IsDue(k);
                    anyDue |= _due[j];
                    _asks[j] = new FleetAsk(names[j], service.Target, _due[j] ? service.Propose(k) : service.Target, service.MinReplicas);
                }

                if (anyDue)
                {
                    Decide(k);
                }

                var total = 0;
                for (var j = 0; j < services.Length; j++)
                {
                    total += services[j].Target;
                    services[j].Advance(k, runs[j].Demand[i], runs[j].Need[i]);
                }

                MostReplicas = Math.Max(MostReplicas, total);
            }
        }

        private void Decide(long k)
        {
            if (cap is not { } total)
            {
                for (var j = 0; j < services.Length; j++)
                {
                    if (_due[j])
                    {
                        services[j].Apply(k, _asks[j].Desired);
                    }
                }

                return;
            }

            var grants = FleetCap.Share(_asks, total);
            for (var j = 0; j < services.Length; j++)
            {
                if (!_due[j])
                {
                    continue;
                }

                var ask = _asks[j];
                if (grants[j] < ask.Desired)
                {
                    CappedByService[j]++;
                    if (_kept[j]++ < FleetResult.MaxDecisionsKept)
                    {
                        var others = _asks.Select((a, i) => i == j ? 0 : grants[i]).Sum();
                        Decisions.Add(new FleetCapDecision(k * stepSeconds, ask.Name, policy, ask.Current, ask.Desired, grants[j], string.Create(CultureInfo.InvariantCulture,
                            $"fleet cap: wanted {ask.Desired}, granted {grants[j]}; replicas.total {total}, the other services hold {others}")));
                    }
                }

                services[j].Apply(k, grants[j]);
            }
        }
    }
}
