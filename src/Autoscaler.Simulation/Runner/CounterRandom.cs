namespace Autoscaler.Simulation.Runner;

/// <summary>
/// Counter-based randomness (SplitMix64's finalizer): the draw for (seed, stream, index) is a pure function of the
/// three, so every policy sees the same noise at the same moment whatever it did before, on any thread, bit for bit.
/// </summary>
public static class CounterRandom
{
    /// <summary>A 64-bit hash of the three inputs.</summary>
    public static ulong Hash(long seed, ulong stream, long index)
    {
        var z = Mix(unchecked((ulong)seed) + (0x9E3779B97F4A7C15UL * (stream + 1)));
        return Mix(z ^ unchecked((ulong)index * 0xD1B54A32D192ED03UL));
    }

    /// <summary>A standard normal draw (Box–Muller on two uniforms).</summary>
    public static double Normal(long seed, ulong stream, long index)
    {
        var h = Hash(seed, stream, index);
        var u1 = ToUnit(h);
        var u2 = ToUnit(Mix(h + 0x9E3779B97F4A7C15UL));
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A stable 64-bit hash of a name (FNV-1a), for deriving a stream from a metric or policy name.</summary>
    public static ulong Stream(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var hash = 14695981039346656037UL;
        foreach (var c in name)
        {
            hash = unchecked((hash ^ c) * 1099511628211UL);
        }

        return hash;
    }

    private static double ToUnit(ulong h) => ((h >> 11) + 0.5) * (1.0 / (1UL << 53));

    /// <summary>SplitMix64's finalizer: a bijective 64-bit mix (also <see cref="Workloads.PoissonNoise"/>'s generator step).</summary>
    internal static ulong Mix(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
