using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Simulation.Tests.Workloads;

public sealed class SumRateTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void The_rate_is_the_sum_of_the_parts()
    {
        var sum = new SumRate([new ConstantRate(50), new SpikeRate(0, 300, S(10), S(5)), new RampRate(0, 100, S(100))]);

        Assert.Equal(50, sum.RateAt(S(0)), 9);
        Assert.Equal(50 + 300 + 10, sum.RateAt(S(10)), 9);
        Assert.Equal(50 + 20, sum.RateAt(S(20)), 9);
        Assert.Equal("sum", sum.Name);
        Assert.Equal(3, sum.Parts.Count);
    }

    [Fact]
    public void An_empty_sum_is_refused() =>
        Assert.Contains("sum: no parts", Assert.Throws<InvalidWorkloadException>(() => new SumRate([])).Message, StringComparison.Ordinal);
}
