namespace Autoscaler.Simulation.Workloads;

/// <summary>Several patterns at once: the rate is the sum of theirs (e.g. a daily shape plus a flash crowd).</summary>
public sealed class SumRate : IRatePattern
{
    private readonly IRatePattern[] _parts;

    /// <summary>Creates the pattern from one or more parts.</summary>
    public SumRate(IReadOnlyList<IRatePattern> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new InvalidWorkloadException("sum: no parts; give at least one pattern to add up");
        }

        _parts = new IRatePattern[parts.Count];
        for (var i = 0; i < parts.Count; i++)
        {
            _parts[i] = parts[i] ?? throw new InvalidWorkloadException($"sum: part {i + 1} is missing");
        }

        Peak = RateChecks.Peak(_parts.Sum(p => p.Peak), "sum: the highest rate (the parts' highest added up)");
    }

    /// <summary>The patterns added up, in order.</summary>
    public IReadOnlyList<IRatePattern> Parts => _parts;

    /// <inheritdoc />
    public string Name => RatePatterns.Sum;

    /// <inheritdoc />
    public double Peak { get; }

    /// <inheritdoc />
    public double RateAt(TimeSpan elapsed)
    {
        var total = 0.0;
        foreach (var part in _parts)
        {
            total += part.RateAt(elapsed);
        }

        return total;
    }
}
