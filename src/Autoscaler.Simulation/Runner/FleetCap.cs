namespace Autoscaler.Simulation.Runner;

/// <summary>What one service has and asks for at one evaluation of the fleet rule.</summary>
/// <param name="Name">The service's name; ties are broken by it (ordinal).</param>
/// <param name="Current">Its target count now (starting and ready replicas).</param>
/// <param name="Desired">The count its pipeline wants; <see cref="Current"/> when it did not evaluate.</param>
/// <param name="Min">The fewest replicas its policy keeps.</param>
internal readonly record struct FleetAsk(string Name, int Current, int Desired, int Min);

/// <summary>
/// The fleet-wide rule that holds several services to one machine budget (docs/simulation.md, "Several services"):
/// scale-downs always go through; the scale-ups share the free budget (the total less every count after the
/// scale-downs) by water-filling, first up to each service's minimum, then up to what each asked for. Pure and
/// deterministic: the same asks in any order give the same grants.
/// </summary>
internal static class FleetCap
{
    /// <summary>
    /// The count each service gets, in the order of <paramref name="asks"/>: its desired count when that is not above
    /// its current one or the budget holds every scale-up, else its current count plus its share of the free budget.
    /// </summary>
    public static int[] Share(IReadOnlyList<FleetAsk> asks, int total)
    {
        ArgumentNullException.ThrowIfNull(asks);
        var grants = new int[asks.Count];
        var used = 0L;
        for (var i = 0; i < asks.Count; i++)
        {
            // A scale-down or a hold is the service's own business; a scale-up waits for its share.
            grants[i] = Math.Min(asks[i].Desired, asks[i].Current);
            used += grants[i];
        }

        var free = (int)Math.Clamp(total - used, 0, int.MaxValue);
        var wants = new int[asks.Count];

        // First what each needs to reach its policy's minimum (a safety net: a service starts within it and its pipeline
        // never asks for less), then the rest of its ask.
        for (var i = 0; i < asks.Count; i++)
        {
            wants[i] = Math.Max(0, Math.Min(asks[i].Desired, asks[i].Min) - grants[i]);
        }

        free -= Fill(asks, wants, free, grants);
        for (var i = 0; i < asks.Count; i++)
        {
            wants[i] = Math.Max(0, asks[i].Desired - grants[i]);
        }

        Fill(asks, wants, free, grants);
        return grants;
    }

    /// <summary>
    /// Water-filling of <paramref name="free"/> replicas over <paramref name="wants"/>: every service gets the same
    /// level L (or all it wants, when less), with L the highest whole level that fits; the replicas left under the next
    /// level go one each to the services that still want more, the largest remaining want first, then by name.
    /// Adds the shares to <paramref name="grants"/>; returns how many replicas it handed out.
    /// </summary>
    private static int Fill(IReadOnlyList<FleetAsk> asks, int[] wants, int free, int[] grants)
    {
        long wanted = 0;
        foreach (var w in wants)
        {
            wanted += w;
        }

        if (wanted <= free)
        {
            for (var i = 0; i < wants.Length; i++)
            {
                grants[i] += wants[i];
            }

            return (int)wanted;
        }

        if (free <= 0)
        {
            return 0;
        }

        // The highest level L with Σ min(want, L) ≤ free, by bisection over [0, free].
        int low = 0, high = free;
        while (low < high)
        {
            var mid = low + ((high - low + 1) / 2);
            long sum = 0;
            foreach (var w in wants)
            {
                sum += Math.Min(w, mid);
            }

            if (sum <= free)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        var given = 0;
        for (var i = 0; i < wants.Length; i++)
        {
            var share = Math.Min(wants[i], low);
            grants[i] += share;
            given += share;
        }

        // What is left is less than one replica for each service that still wants more: one each, in a fixed order.
        var order = new List<int>();
        for (var i = 0; i < wants.Length; i++)
        {
            if (wants[i] > low)
            {
                order.Add(i);
            }
        }

        order.Sort((x, y) => wants[y] != wants[x] ? wants[y].CompareTo(wants[x]) : string.CompareOrdinal(asks[x].Name, asks[y].Name));
        for (var j = 0; j < order.Count && given < free; j++)
        {
            grants[order[j]]++;
            given++;
        }

        return given;
    }
}
