using Autoscaler.Core.PolicyFiles;
using Autoscaler.Simulation.Tuning;

namespace Autoscaler.Simulation.Tests.Tuning;

/// <summary>Issue 16: the first generation covers every range evenly, respects --param, and depends only on the seed.</summary>
public sealed class CandidateSamplerTests
{
    private static SearchSpace Space() =>
        SearchSpace.From(PolicyFiles.Load(Path.Combine(AppContext.BaseDirectory, "deploy", "policies", "hpa-request-rate.yaml")).Spec!);

    [Fact]
    public void The_same_seed_gives_the_same_candidates_and_another_seed_others()
    {
        var space = Space();

        var first = CandidateSampler.LatinHypercube(space, 20, seed: 7);
        var again = CandidateSampler.LatinHypercube(space, 20, seed: 7);
        var other = CandidateSampler.LatinHypercube(space, 20, seed: 8);

        Assert.Equal(first, again);
        Assert.NotEqual(first.Select(c => c["metrics[rps].target.value"]), other.Select(c => c["metrics[rps].target.value"]));
    }

    [Fact]
    public void Every_value_is_inside_its_search_range_and_rounded_as_its_field_holds_it()
    {
        var space = Space().Narrow(["metrics[rps].target.value=20..40", "checkInterval=15s", "behavior.scaleDown.cooldown=0..1m"]);

        foreach (var candidate in CandidateSampler.LatinHypercube(space, 50, seed: 1))
        {
            Assert.Equal(space.Parameters.Select(p => p.Name), candidate.Keys);
            foreach (var p in space.Parameters)
            {
                var v = candidate[p.Name];
                Assert.InRange(v, p.SearchMin, p.SearchMax);
                Assert.Equal(p.Round(v), v);
            }

            Assert.Equal(15, candidate["checkInterval"]);
            space.Apply(candidate);
        }
    }

    [Fact]
    public void Each_range_is_covered_once_per_stratum()
    {
        // 8 candidates over 20..40 on a log scale: one in each eighth of [log 20, log 40).
        var space = Space().Narrow(["metrics[rps].target.value=20..40"]);

        var values = CandidateSampler.LatinHypercube(space, 8, seed: 3).Select(c => c["metrics[rps].target.value"]);

        var strata = values.Select(v => (int)Math.Floor(8 * Math.Log(v / 20) / Math.Log(2))).Order();
        Assert.Equal(Enumerable.Range(0, 8), strata);
    }
}
