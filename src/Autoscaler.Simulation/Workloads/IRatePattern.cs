namespace Autoscaler.Simulation.Workloads;

/// <summary>Offered load over time: requests per second at each moment of a run.</summary>
public interface IRatePattern
{
    /// <summary>Name by which configuration and the command line pick the pattern.</summary>
    string Name { get; }

    /// <summary>
    /// The highest rate the pattern offers at any time (the mean's highest, for a pattern with noise); at most
    /// <see cref="RatePatterns.MaxRate"/>, which the patterns check when they are made.
    /// </summary>
    double Peak { get; }

    /// <summary>Requests per second at <paramref name="elapsed"/> since the start; never negative.</summary>
    double RateAt(TimeSpan elapsed);
}
