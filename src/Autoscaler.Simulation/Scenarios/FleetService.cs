using Autoscaler.Simulation.Model;
using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Simulation.Scenarios;

/// <summary>
/// One service of a scenario with several (<see cref="Scenario.Services"/>): what a single-service scenario has per
/// service. The scenario-wide fields (duration, step, seed, observation, SLO, price) are shared.
/// </summary>
public sealed record FleetService
{
    /// <summary>The most services one scenario may list.</summary>
    public const int MaxServices = 32;

    /// <summary>The service's name: its rows, its output directory and its fleet-cap decisions; unique in the scenario.</summary>
    public required string Name { get; init; }

    /// <summary>Its offered load over time.</summary>
    public required IRatePattern Workload { get; init; }

    /// <summary>Its service model.</summary>
    public ServiceModelSpec Service { get; init; } = new();

    /// <summary>Its replicas ready at the start (within each policy's own [min, max]).</summary>
    public int InitialReplicas { get; init; } = 1;

    /// <summary>Fewest replicas of the built-in policies for this service.</summary>
    public int MinReplicas { get; init; } = Core.Pipeline.ScalingLimits.DefaultMinReplicas;

    /// <summary>Most replicas of the built-in policies for this service, and the most its oracle runs.</summary>
    public int MaxReplicas { get; init; } = Core.Pipeline.ScalingLimits.DefaultMaxReplicas;

    /// <summary>
    /// The policy this service runs in every run of the scenario (its <c>policy</c> field), or null when it runs each of
    /// the scenario's policies in turn.
    /// </summary>
    public PolicyChoice? OwnPolicy { get; init; }

    /// <summary>
    /// What this service runs in each run of the scenario, in the order of <see cref="Scenario.Policies"/> (one entry
    /// per run, named by the run): the run's policy resolved against this service's model and limits, or
    /// <see cref="OwnPolicy"/>.
    /// </summary>
    public IReadOnlyList<PolicyChoice> Policies { get; init; } = [];

    /// <summary>This service alone as a single-service scenario of <paramref name="fleet"/>: the same model, limits and policies.</summary>
    public Scenario Alone(Scenario fleet)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        return fleet with
        {
            Name = Name,
            Workload = Workload,
            Service = Service,
            MinReplicas = MinReplicas,
            MaxReplicas = MaxReplicas,
            InitialReplicas = InitialReplicas,
            Policies = Policies,
            Services = [],
            TotalReplicas = null,
        };
    }
}
