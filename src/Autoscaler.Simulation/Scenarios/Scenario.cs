using System.Globalization;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Queueing;
using Autoscaler.Simulation.Model;
using Autoscaler.Simulation.Observation;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Simulation.Scenarios;

/// <summary>A policy to simulate: its name in the results and the policy itself.</summary>
/// <param name="Name">Name in the results, the table and the CSV file name; unique within a run.</param>
/// <param name="Spec">The policy, as the live scaler would run it.</param>
public sealed record PolicyChoice(string Name, PolicySpec Spec)
{
    /// <summary>The policy file it was read from (full path); null for a built-in policy or one made in code.</summary>
    public string? File { get; init; }

    /// <summary>The name with where it came from, for messages: <c>'hpa' (the built-in policy)</c>, <c>'hpa' (/path/hpa.yaml)</c>, or <c>'mine'</c> for one made in code.</summary>
    internal string Described =>
        File is not null ? $"'{Name}' ({File})" : BuiltInPolicies.Names.Contains(Name) ? $"'{Name}' (the built-in policy)" : $"'{Name}'";
}

/// <summary>
/// Everything a simulation needs: the workload, the service model, how policies observe it, the SLO and price,
/// and the policies (the oracle always runs as well). Defaults are those of docs/simulation.md.
/// </summary>
public sealed record Scenario
{
    /// <summary>The longest simulated run: one year (<see cref="RatePatterns.MaxDuration"/>).</summary>
    public static readonly TimeSpan MaxDuration = RatePatterns.MaxDuration;

    /// <summary>
    /// The most steps a run may have: 100 million, a year at a step of 0.32 s, about 5 minutes for four policies on two
    /// cores. Memory does not grow with the steps (the series are downsampled); time does.
    /// </summary>
    public const long MaxSteps = 100_000_000;

    /// <summary>The most policies one run compares (the oracle not counted); each is simulated in full.</summary>
    public const int MaxPolicies = 64;

    /// <summary>Name in the results (the file name without extension for a scenario file).</summary>
    public string Name { get; init; } = "scenario";

    /// <summary>Simulated time.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Length of one simulation step.</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Seed of every random draw (observation noise, and noise in workloads that have it).</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Offered load over time. Read once per step, in time order, from one thread, and shared by all policies:
    /// a pattern with noise of its own may draw it sequentially.
    /// </summary>
    public required IRatePattern Workload { get; init; }

    /// <summary>The simulated service.</summary>
    public ServiceModelSpec Service { get; init; } = new();

    /// <summary>What the policies see.</summary>
    public ObservationSpec Observation { get; init; } = new();

    /// <summary>The objective every step is checked against.</summary>
    public SloSpec Slo { get; init; } = new(0.5, LatencyStatistic.Mean, 0.01);

    /// <summary>Price of one replica for one hour.</summary>
    public double CostPerReplicaHour { get; init; } = 1;

    /// <summary>Replicas ready at the start (within each policy's own [min, max]); the oracle starts with what it needs.</summary>
    public int InitialReplicas { get; init; } = 1;

    /// <summary>Fewest replicas of the built-in policies (threshold, hpa).</summary>
    public int MinReplicas { get; init; } = ScalingLimits.DefaultMinReplicas;

    /// <summary>Most replicas of the built-in policies (threshold, hpa); the original scripts' 6.</summary>
    public int MaxReplicas { get; init; } = ScalingLimits.DefaultMaxReplicas;

    /// <summary>The policies to compare; the oracle is added by the runner.</summary>
    public IReadOnlyList<PolicyChoice> Policies { get; init; } = [];

    /// <summary>
    /// The services of a scenario with several (its <c>services</c> field), sharing one machine budget; empty for a
    /// single-service scenario, which has its workload, service model and limits in the fields above. With services,
    /// <see cref="Policies"/> names the runs (each service runs its own resolution of each, or its own policy) and the
    /// single-service fields above are not used.
    /// </summary>
    public IReadOnlyList<FleetService> Services { get; init; } = [];

    /// <summary>
    /// The most replicas (starting and ready) all <see cref="Services"/> may have together (<c>replicas.total</c>);
    /// null for no cap.
    /// </summary>
    public int? TotalReplicas { get; init; }

    /// <summary>Whether this scenario lists several services (<see cref="Services"/>).</summary>
    public bool IsFleet => Services.Count > 0;

    /// <summary>The name of the one run of a scenario whose every service names its own policy.</summary>
    public const string OwnPoliciesRun = "own";

    /// <summary>
    /// Where scoring starts: the steps before it run as usual (every policy learns and acts on them) but count in no
    /// score, so the scores are those of the part from here on (<c>tune</c>'s held part). Zero, the default, scores
    /// the whole run. Rounded down to a whole step.
    /// </summary>
    public TimeSpan ScoreFrom { get; init; }

    /// <summary>
    /// This scenario with more policies: built-in names or policy files (relative to <paramref name="baseDirectory"/>),
    /// resolved against this scenario's service and replica limits; <c>oracle</c> adds nothing (it always runs).
    /// </summary>
    /// <exception cref="ScenarioException">An unknown name, or a policy file that cannot be read.</exception>
    public Scenario WithPolicies(IEnumerable<string> namesOrFiles, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(namesOrFiles);
        if (IsFleet)
        {
            return WithFleetPolicies([.. namesOrFiles], baseDirectory);
        }

        var all = new List<PolicyChoice>(Policies);
        var problems = new List<string>();
        foreach (var p in namesOrFiles)
        {
            if (BuiltInPolicies.Resolve(p, Service, Slo, MinReplicas, MaxReplicas, baseDirectory) is { } choice)
            {
                if (Repeated(all, choice) is { } repeated)
                {
                    var inScenario = Policies.FirstOrDefault(q => q.Name == choice.Name);
                    problems.Add(inScenario is not null && inScenario.File == choice.File
                        ? $"policy {choice.Described} runs already: the scenario has it ({ListedPolicies()}); each policy runs once, so leave out the repeat"
                        : repeated);
                    continue;
                }

                all.Add(choice);
            }
        }

        if (all.Count > MaxPolicies)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"policies: {all.Count} are more than the {MaxPolicies} a run may compare"));
        }

        if (problems.Count > 0)
        {
            throw new ScenarioException(problems);
        }

        return all.Count == Policies.Count ? this : this with { Policies = all };
    }

    // Each service resolves a built-in name against its own model and limits (hpa's target is a share of its capacity);
    // a service with a policy of its own keeps it in every run.
    private Scenario WithFleetPolicies(IReadOnlyList<string> namesOrFiles, string baseDirectory)
    {
        if (namesOrFiles.Count == 0)
        {
            return this;
        }

        if (Services.All(service => service.OwnPolicy is not null))
        {
            throw new ScenarioException(
                $"--policy {string.Join(", ", namesOrFiles)}: every service of the scenario names its own policy (its policy field), so no service would run it; leave a service's policy out to compare policies on it");
        }

        // The runs' names follow the single-service rules (each once, none named like the oracle).
        var runs = (this with { Services = [] }).WithPolicies(namesOrFiles, baseDirectory);
        var added = runs.Policies.Skip(Policies.Count).ToList();
        var services = new List<FleetService>();
        foreach (var service in Services)
        {
            var more = service.OwnPolicy is { } own
                ? added.Select(run => own with { Name = run.Name })
                : namesOrFiles.Select(p => BuiltInPolicies.Resolve(p, service.Service, Slo, service.MinReplicas, service.MaxReplicas, baseDirectory)).OfType<PolicyChoice>();
            services.Add(service with { Policies = [.. service.Policies, .. more] });
        }

        return runs with { Services = services };
    }

    private string ListedPolicies() =>
        $"its policies: {string.Join(", ", Policies.Select(p => p.Name))}; a scenario file with no policies field runs {string.Join(" and ", ScenarioFile.DefaultPolicies)}";

    /// <summary>
    /// Why <paramref name="next"/> cannot join <paramref name="earlier"/>: a policy of the same name is there already, or
    /// it is named like the oracle. Null when it may. Results, CSV files and charts are named by policy, so a run
    /// holds each name once: a repeat is refused, never renamed.
    /// </summary>
    internal static string? Repeated(IEnumerable<PolicyChoice> earlier, PolicyChoice next)
    {
        if (next.Name == BuiltInPolicies.Oracle)
        {
            return $"policy {next.Described} is named like the oracle, which always runs; rename the file";
        }

        var first = earlier.FirstOrDefault(p => string.Equals(p.Name, next.Name, StringComparison.Ordinal));
        if (first is null)
        {
            return null;
        }

        return first.File == next.File
            ? $"policy {next.Described} is listed twice; each policy runs once (results are named by policy): leave out the repeat"
            : $"policies {first.Described} and {next.Described} have the same name; results are named by policy, so rename one file to compare them";
    }
}

/// <summary>A scenario (file or flags) that cannot run; one entry per problem, each naming the field or line.</summary>
public sealed class ScenarioException(IReadOnlyList<string> problems) : Exception(string.Join("; ", problems))
{
    /// <summary>One line per problem, e.g. <c>file:line: field: what is wrong</c>.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;

    /// <summary>One problem.</summary>
    public ScenarioException(string problem)
        : this([problem])
    {
    }
}
