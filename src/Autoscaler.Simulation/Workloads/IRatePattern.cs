namespace Autoscaler.Simulation.Workloads;

/// <summary>Offered load over time: requests per second at each moment of a run.</summary>
public interface IRatePattern
{
    /// <summary>Name by which configuration and the command line pick the pattern.</summary>
    string Name { get; }

    /// <summary>Requests per second at <paramref name="elapsed"/> since the start; never negative.</summary>
    double RateAt(TimeSpan elapsed);
}
