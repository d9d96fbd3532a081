using Autoscaler.Gateway.Destinations;
using Microsoft.Extensions.Logging.Abstractions;

namespace Autoscaler.Gateway.Tests.Destinations;

public sealed class DestinationsProxyConfigTests
{
    private static readonly Uri A = new("http://127.0.0.1:8001");
    private static readonly Uri B = new("http://127.0.0.1:8002");

    [Fact]
    public void Set_publishes_a_new_config_and_signals_the_old_one()
    {
        var config = new DestinationsProxyConfig(new GatewayOptions(), [A], NullLogger<DestinationsProxyConfig>.Instance);
        var before = config.GetConfig();

        config.Set([B, A]);

        Assert.True(before.ChangeToken.HasChanged);
        var after = config.GetConfig();
        Assert.False(after.ChangeToken.HasChanged);
        var cluster = Assert.Single(after.Clusters);
        Assert.Equal(["http://127.0.0.1:8001/", "http://127.0.0.1:8002/"], cluster.Destinations!.Values.Select(d => d.Address).Order());
        Assert.Equal("Autoscaler.LeastRequests", cluster.LoadBalancingPolicy);
        Assert.Equal(TimeSpan.FromSeconds(5), cluster.HealthCheck!.Passive!.ReactivationPeriod);
        Assert.Equal("{**catch-all}", Assert.Single(after.Routes).Match.Path);
    }

    [Fact]
    public void Setting_the_same_set_changes_nothing()
    {
        var config = new DestinationsProxyConfig(new GatewayOptions(), [A, B], NullLogger<DestinationsProxyConfig>.Instance);
        var before = config.GetConfig();

        config.Set([new Uri("http://127.0.0.1:8002/"), A, A]);

        Assert.False(before.ChangeToken.HasChanged);
        Assert.Same(before, config.GetConfig());
    }

    [Fact]
    public void Add_and_Remove_change_one_address_and_say_whether_they_did()
    {
        var config = new DestinationsProxyConfig(new GatewayOptions(), [A], NullLogger<DestinationsProxyConfig>.Instance);

        Assert.True(config.Add(B));
        Assert.False(config.Add(new Uri("http://127.0.0.1:8002/")));
        Assert.True(config.Remove(A));
        Assert.False(config.Remove(A));

        Assert.Equal([B.AbsoluteUri], config.Current.Select(u => u.AbsoluteUri));
    }

    [Fact]
    public void An_invalid_address_throws_and_leaves_the_set_as_it_was()
    {
        var config = new DestinationsProxyConfig(new GatewayOptions(), [A], NullLogger<DestinationsProxyConfig>.Instance);

        Assert.Throws<ArgumentException>(() => config.Set([B, new Uri("ftp://127.0.0.1:21")]));
        Assert.Throws<ArgumentException>(() => config.Add(new Uri("/relative", UriKind.Relative)));

        Assert.Equal([A.AbsoluteUri], config.Current.Select(u => u.AbsoluteUri));
    }
}
