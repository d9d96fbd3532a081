using Autoscaler.Simulation.Runner;

namespace Autoscaler.Simulation.Tests.Runner;

/// <summary>The fleet rule that shares one machine budget among the services' scale-ups.</summary>
public sealed class FleetCapTests
{
    private static int[] Share(int total, params FleetAsk[] asks) => FleetCap.Share(asks, total);

    [Fact]
    public void Scale_ups_that_fit_are_granted_whole()
    {
        Assert.Equal([5, 4], Share(10, new("a", 3, 5, 1), new("b", 2, 4, 1)));
    }

    [Fact]
    public void Scale_downs_go_through_and_free_budget_for_the_scale_ups_of_the_same_evaluation()
    {
        // b gives back 3 (6 -> 3): the free budget is 10 - (3 + 3) = 4, all of a's ask.
        Assert.Equal([7, 3], Share(10, new("a", 3, 7, 1), new("b", 6, 3, 1)));
    }

    [Fact]
    public void The_free_budget_is_water_filled_so_a_large_ask_cannot_starve_a_small_one()
    {
        // Free 12 - 6 = 6; asks 1, 4 and 10: a gets its 1, b and c two each (the level 2), and the one left goes to the
        // larger remaining ask, c's.
        Assert.Equal([3, 4, 5], Share(12, new("a", 2, 3, 1), new("b", 2, 6, 1), new("c", 2, 12, 1)));
    }

    [Fact]
    public void A_replica_left_under_the_level_goes_to_the_larger_ask_then_by_name()
    {
        // Free 1, two equal asks: the name decides (b before c), in any order of the asks.
        Assert.Equal([3, 2], Share(5, new("b", 2, 4, 1), new("c", 2, 4, 1)));
        Assert.Equal([2, 3], Share(5, new("c", 2, 4, 1), new("b", 2, 4, 1)));
    }

    [Fact]
    public void Services_not_evaluating_keep_their_count_and_their_share_of_the_budget()
    {
        // a holds 5 (not due: desired = current); b may grow to the total only.
        Assert.Equal([5, 3], Share(8, new("a", 5, 5, 1), new("b", 1, 6, 1)));
    }

    [Fact]
    public void A_service_below_its_minimum_is_raised_to_it_before_any_other_grows()
    {
        // Free 2: b, below its minimum of 3, is raised to it first; a's larger ask gets nothing.
        Assert.Equal([4, 3], Share(7, new("a", 4, 8, 1), new("b", 1, 3, 3)));
    }

    [Fact]
    public void Without_free_budget_a_scale_up_is_held_at_the_current_count_never_lowered()
    {
        Assert.Equal([6, 4], Share(10, new("a", 6, 9, 1), new("b", 4, 6, 1)));
    }

    [Fact]
    public void The_grants_never_exceed_the_total_nor_any_ask()
    {
        var random = new Random(17);
        for (var round = 0; round < 2000; round++)
        {
            var asks = Enumerable.Range(0, random.Next(1, 6)).Select(i =>
            {
                var current = random.Next(0, 8);
                return new FleetAsk(((char)('a' + i)).ToString(), current, random.Next(0, 15), Math.Min(current, random.Next(0, 3)));
            }).ToArray();
            var total = Math.Max(asks.Sum(a => a.Current), asks.Sum(a => a.Min)) + random.Next(0, 10);
            var grants = FleetCap.Share(asks, total);

            Assert.True(grants.Sum() <= Math.Max(total, asks.Sum(a => Math.Min(a.Current, a.Desired))), $"round {round}: {grants.Sum()} > {total}");
            for (var i = 0; i < asks.Length; i++)
            {
                Assert.InRange(grants[i], Math.Min(asks[i].Current, asks[i].Desired), Math.Max(asks[i].Current, asks[i].Desired));
            }

            // Work-conserving: a budget left unused means every ask was met.
            if (grants.Sum() < total)
            {
                Assert.Equal(asks.Select(a => a.Desired), grants);
            }
        }
    }
}
