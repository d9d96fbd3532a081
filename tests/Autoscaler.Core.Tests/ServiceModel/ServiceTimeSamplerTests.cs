using Autoscaler.Core.ServiceModel;

namespace Autoscaler.Core.Tests.ServiceModel;

public sealed class ServiceTimeSamplerTests
{
    [Theory]
    [InlineData(ServiceTimeDistribution.Exponential)]
    [InlineData(ServiceTimeDistribution.Constant)]
    [InlineData(ServiceTimeDistribution.LogNormal)]
    public void Every_distribution_has_the_configured_mean(ServiceTimeDistribution distribution)
    {
        var sampler = new ServiceTimeSampler(distribution, TimeSpan.FromMilliseconds(100), new Random(7));
        var mean = Enumerable.Range(0, 50_000).Average(_ => sampler.Next().TotalMilliseconds);
        Assert.InRange(mean, 98, 102);
    }

    [Fact]
    public void Exponential_has_a_spread_and_constant_has_none()
    {
        var exp = new ServiceTimeSampler(ServiceTimeDistribution.Exponential, TimeSpan.FromMilliseconds(100), new Random(1));
        var constant = new ServiceTimeSampler(ServiceTimeDistribution.Constant, TimeSpan.FromMilliseconds(100), new Random(1));
        var draws = Enumerable.Range(0, 10_000).Select(_ => exp.Next().TotalMilliseconds).ToList();
        // For an exponential distribution the standard deviation equals the mean.
        var sd = Math.Sqrt(draws.Average(d => Math.Pow(d - draws.Average(), 2)));
        Assert.InRange(sd, 90, 110);
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal(100, constant.Next().TotalMilliseconds, 6));
    }

    [Fact]
    public void A_zero_mean_gives_zero_work()
    {
        var sampler = new ServiceTimeSampler(ServiceTimeDistribution.Exponential, TimeSpan.Zero, new Random(1));
        Assert.Equal(TimeSpan.Zero, sampler.Next());
    }
}
