using System.Globalization;
using System.Runtime.CompilerServices;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Queueing;
using Autoscaler.Core.Time;
using Autoscaler.Simulation.Model;
using Autoscaler.Simulation.Observation;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Simulation.Runner;

/// <summary>
/// Runs a <see cref="Scenario"/>: every policy plus the oracle over the same demand, in virtual time, in parallel
/// (one thread per policy at a time, results independent of the threads), and scores them.
/// </summary>
public static class SimulationRunner
{
    /// <summary>Most points kept per policy for charts and CSV; steps are averaged into buckets to stay below it.</summary>
    public const int MaxSeriesPoints = 2000;

    internal const int ChunkSteps = 16384;

    /// <summary>Runs <paramref name="scenario"/>.</summary>
    /// <param name="scenario">What to simulate.</param>
    /// <param name="progress">Told the fraction done (0..1) as the run goes.</param>
    /// <param name="time">The wall clock, for <see cref="SimulationResult.WallSeconds"/> only.</param>
    /// <param name="cancellationToken">Stops the run between chunks.</param>
    /// <param name="threads">Most policies simulated at once; default: one per core.</param>
    /// <exception cref="ScenarioException">The scenario cannot run (an SLO no replica count meets, a metric the simulator cannot observe…).</exception>
    public static SimulationResult Run(Scenario scenario, IProgress<double>? progress = null, TimeProvider? time = null, CancellationToken cancellationToken = default, int? threads = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        if (scenario.IsFleet)
        {
            throw new ScenarioException($"{scenario.Name}: lists several services (services:), which only `autoscaler simulate` runs (FleetRunner); this takes a scenario of one service");
        }

        time ??= TimeProvider.System;
        var started = time.GetTimestamp();
        var problems = Check(scenario);
        if (problems.Count > 0)
        {
            throw new ScenarioException(problems);
        }

        var service = new ServiceRun(scenario);
        PolicySimulation[]? simulations = null;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads ?? Environment.ProcessorCount), CancellationToken = cancellationToken };
        for (long start = 0; start < service.TotalSteps; start += ChunkSteps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = (int)Math.Min(ChunkSteps, service.TotalSteps - start);
            service.Fill(start, count, cancellationToken);
            simulations ??= [.. service.Policies.Select(service.Simulation)];
            var (s, c) = (start, count);
            try
            {
                Parallel.For(0, simulations.Length, options, i => simulations[i].Run(s, c, service.Demand, service.Need, service.Target, cancellationToken));
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                throw e.InnerExceptions[0];
            }

            service.Carry(count);
            progress?.Report((double)(start + count) / service.TotalSteps);
        }

        return service.Result(simulations!, time.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>
    /// Reads the demand of steps [start + from, start + to) and the oracle's count for each, at most
    /// <paramref name="oracleMax"/>; returns how many of those steps (scored ones: from <paramref name="scoreFrom"/> to the
    /// run's end) need more than that. <paramref name="mostNeeded"/> becomes the most replicas any of those steps needs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static long Fill(IRatePattern workload, long stepTicks, long start, int from, int to, double perReplica, int oracleMax, long scoreFrom, long totalSteps, double[] demand, int[] need, ref int mostNeeded, CancellationToken cancellationToken)
    {
        long beyond = 0;
        for (var i = from; i < to; i++)
        {
            if ((i & 4095) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var at = TimeSpan.FromTicks((start + i) * stepTicks);
            var rate = workload.RateAt(at);
            if (!double.IsFinite(rate) || rate < 0)
            {
                throw new ScenarioException(string.Create(CultureInfo.InvariantCulture,
                    $"workload: the rate at {Durations.Format(at)} is {rate}, not a number of requests per second"));
            }

            demand[i] = rate;
            var needed = rate <= 0 ? 0 : Math.Ceiling(rate / perReplica);
            if (needed > mostNeeded && start + i >= scoreFrom && start + i < totalSteps)
            {
                mostNeeded = (int)Math.Min(needed, int.MaxValue);
            }

            if (needed > oracleMax)
            {
                // Not even the scenario's most replicas keep the SLO here: the oracle runs that many, and the step is
                // counted as out of reach (SimulationResult.SloOutOfReachSeconds) rather than sized beyond the limit.
                needed = oracleMax;
                beyond += start + i >= scoreFrom && start + i < totalSteps ? 1 : 0;
            }

            need[i] = (int)needed;
        }

        return beyond;
    }

    /// <summary>
    /// The oracle's sizing rule: the most requests per second one replica may take while a stationary replica
    /// keeps the SLO (its latency statistic and the rejection rate); it runs ⌈λ / this⌉ replicas for demand λ.
    /// </summary>
    /// <exception cref="ScenarioException">Even an idle replica breaks the SLO.</exception>
    public static double OracleRequestsPerReplica(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return OraclePerReplicaRate(ServiceCurves.For(scenario.Service), scenario.Slo);
    }

    internal static double OraclePerReplicaRate(ServiceCurves curves, SloSpec slo)
    {
        // The same safe utilization the slo rule sizes with (Core's queueing), never above the table's last row that
        // keeps the SLO, so a replica the oracle runs at or below it never reports more in a step.
        var mean = slo.Statistic == LatencyStatistic.Mean ? slo.LatencySeconds : double.PositiveInfinity;
        var p95 = slo.Statistic == LatencyStatistic.P95 ? slo.LatencySeconds : double.PositiveInfinity;
        var rho = Math.Min(curves.Queue.MaxUtilizationWithin(slo.Level), curves.MaxUtilizationWithin(mean, p95, slo.MaxErrorRate));
        if (rho <= 0)
        {
            var idle = curves.Queue.IdleLatency(slo.Statistic);
            throw new ScenarioException(string.Create(CultureInfo.InvariantCulture,
                $"slo.latency: {Seconds(slo.LatencySeconds)} ({slo.Statistic.Label()}) cannot be met by any number of replicas: even an idle replica's {slo.Statistic.Label()} latency is {Seconds(idle)}; raise it or shorten service.serviceTime"));
        }

        return rho * curves.Capacity;
    }

    private static string Seconds(double seconds) => Durations.Format(TimeSpan.FromSeconds(seconds));

    internal static List<string> Check(Scenario s)
    {
        // The bounds of docs/simulation.md, checked again here for scenarios made in code or changed by flags: every
        // number that sizes an array or a loop of the run is bounded before the first step.
        var c = CultureInfo.InvariantCulture;
        var problems = new List<string>();
        if (s.Duration <= TimeSpan.Zero)
        {
            problems.Add($"duration: {Durations.Format(s.Duration)} must be longer than 0");
        }
        else if (s.Duration > Scenario.MaxDuration)
        {
            problems.Add($"duration: {Durations.Humanize(s.Duration)} is longer than {RatePatterns.MaxDurationText}, the longest run the simulator takes");
        }

        if (s.Step <= TimeSpan.Zero)
        {
            problems.Add($"step: {Durations.Format(s.Step)} must be longer than 0");
        }
        else if (s.Duration > TimeSpan.Zero && s.Duration / s.Step > Scenario.MaxSteps)
        {
            problems.Add("step: " + ScenarioFile.StepsProblem(s.Duration, s.Step));
        }

        if (s.Service.Workers is < 1 or > ServiceModelSpec.MaxWorkers)
        {
            problems.Add(string.Create(c, $"service.workers: {s.Service.Workers} must be between 1 and {ServiceModelSpec.MaxWorkers}"));
        }

        if (s.Service.ServiceTime <= TimeSpan.Zero || s.Service.ServiceTime > ServiceModelSpec.MaxDelay)
        {
            problems.Add("service.serviceTime: must be longer than 0 and at most 1h");
        }

        if (s.Service.QueueLimit is < 0 or > ServiceModelSpec.MaxQueueLimit)
        {
            problems.Add(string.Create(c, $"service.queueLimit: {s.Service.QueueLimit} must be between 0 and {ServiceModelSpec.MaxQueueLimit}"));
        }

        if (s.Service.StartupDelay < TimeSpan.Zero || s.Service.StartupDelay > ServiceModelSpec.MaxDelay)
        {
            problems.Add("service.startupDelay: must be between 0s and 1h");
        }

        if (s.Service.DrainTime < TimeSpan.Zero || s.Service.DrainTime > ServiceModelSpec.MaxDelay)
        {
            problems.Add("service.drainTime: must be between 0s and 1h");
        }

        if (s.Observation.ScrapeInterval <= TimeSpan.Zero || s.Observation.ScrapeInterval > ObservationSpec.MaxWindow)
        {
            problems.Add("observation.scrapeInterval: must be longer than 0 and at most 1d");
        }

        if (s.Slo.LatencySeconds <= 0 || !double.IsFinite(s.Slo.LatencySeconds) || s.Slo.LatencySeconds > ServiceModelSpec.MaxDelay.TotalSeconds)
        {
            problems.Add("slo.latency: must be longer than 0 and at most 1h");
        }

        if (s.MinReplicas is < 0 or > ScalingLimits.Largest || s.MaxReplicas is < 1 or > ScalingLimits.Largest || s.MinReplicas > s.MaxReplicas)
        {
            problems.Add(string.Create(c, $"replicas: min {s.MinReplicas} and max {s.MaxReplicas} must be within 0 to {ScalingLimits.Largest}, max at least 1 and min at most max"));
        }

        if (s.InitialReplicas is < 0 or > ScalingLimits.Largest)
        {
            problems.Add(string.Create(c, $"replicas.initial: {s.InitialReplicas} must be between 0 and {ScalingLimits.Largest}"));
        }

        if (s.Policies.Count > Scenario.MaxPolicies)
        {
            problems.Add(string.Create(c, $"policies: {s.Policies.Count} are more than the {Scenario.MaxPolicies} a run may compare"));
        }

        if (!(s.Workload.Peak <= RatePatterns.MaxRate))
        {
            problems.Add($"workload: its highest rate {RateChecks.Show(s.Workload.Peak)} is above {RatePatterns.MaxRateText}, the highest rate the tool takes");
        }

        return problems;
    }

    /// <summary>
    /// A policy of the scenario whose every read the simulator can observe (<see cref="Observe"/>); the oracle has no
    /// policy. Each simulation of it builds a scaler of its own (<see cref="ServiceRun.Simulation"/>).
    /// </summary>
    internal sealed record BoundPolicy(string Name, PolicySpec? Spec);

    /// <summary>
    /// What the simulator reads for <paramref name="read"/>: the scenario's observation metric of that name, or what it
    /// recognises the query as; null when it can do neither.
    /// </summary>
    internal static ObservedMetric? Observe(Scenario scenario, MetricRead read) =>
        scenario.Observation.Metrics.FirstOrDefault(m => m.Name == read.Name)
            ?? QueryRecognizer.Recognize(read.Name, read.Query, scenario.Observation.Noise);

    internal static List<BoundPolicy> Bind(Scenario scenario, RunContext run)
    {
        var problems = new List<string>();
        var bound = new List<BoundPolicy> { new(BuiltInPolicies.Oracle, null) };
        var named = new List<PolicyChoice>();
        foreach (var choice in scenario.Policies)
        {
            var name = choice.Name;
            if (Scenario.Repeated(named, choice) is { } repeated)
            {
                problems.Add(repeated);
                continue;
            }

            named.Add(choice);

            foreach (var read in choice.Spec.Reads)
            {
                var (metricName, query) = read;
                if (query.Length == 0)
                {
                    continue;
                }

                var observed = Observe(scenario, read);
                if (observed is not null && Scrapes(observed.Window, scenario.Observation.ScrapeInterval, run.StepSeconds) > ObservationSpec.MaxScrapesPerWindow)
                {
                    // The simulator keeps every scrape of the longest window, per policy: [1y] at a 5 s scrape would be 6 million.
                    problems.Add(string.Create(CultureInfo.InvariantCulture,
                        $"policy '{name}': metric '{metricName}': its window {Durations.Format(observed.Window)} holds more than the {ObservationSpec.MaxScrapesPerWindow:N0} scrapes the simulator keeps (one every {Durations.Format(scenario.Observation.ScrapeInterval)}); use a shorter window or a longer scrape interval"));
                    continue;
                }

                if (observed is null)
                {
                    problems.Add($"policy '{name}': metric '{metricName}': the simulator cannot observe the query '{query}'; "
                        + $"add an observation metric named '{metricName}' with a kind ({string.Join(", ", Enum.GetNames<ObservedKind>().Select(Camel))}) "
                        + $"or use a query it knows ({string.Join("; ", QueryRecognizer.Examples)})");
                }
            }

            bound.Add(new BoundPolicy(name, choice.Spec));
        }

        return problems.Count == 0 ? bound : throw new ScenarioException(problems);
    }

    /// <summary>Scrapes in <paramref name="window"/> at the scrape interval the run really has (whole steps, at least one).</summary>
    internal static double Scrapes(TimeSpan window, TimeSpan scrapeInterval, double stepSeconds) =>
        window.TotalSeconds / (Math.Max(1, Math.Round(scrapeInterval.TotalSeconds / stepSeconds)) * stepSeconds);

    internal static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    /// <summary>target[i] = max(need[i..i+lookahead]) for i &lt; count, with a monotone deque (O(count + lookahead)).</summary>
    internal static void SlidingMax(int[] need, int count, int lookahead, int[] target, int[] deque)
    {
        int head = 0, tail = 0;
        var next = 0;
        for (var i = 0; i < count; i++)
        {
            for (; next <= i + lookahead; next++)
            {
                while (tail > head && need[deque[tail - 1]] <= need[next])
                {
                    tail--;
                }

                deque[tail++] = next;
            }

            while (deque[head] < i)
            {
                head++;
            }

            target[i] = need[deque[head]];
        }
    }
}
