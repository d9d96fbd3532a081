using System.Net.Http;
using System.Net.Sockets;
using Autoscaler.Gateway.Health;
using Autoscaler.Gateway.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Autoscaler.Gateway.Tests.Health;

/// <summary>Passive health on a fake clock: what takes a replica out, what does not, and how the window forgets.</summary>
public sealed class FailureWindowPolicyTests
{
    private readonly RecordingHealthUpdater _updater = new();
    private readonly FakeTimeProvider _time = new();
    private readonly ClusterState _cluster = new("replicas");
    private readonly DestinationState _destination = Destination("http://127.0.0.1:8001/");

    private FailureWindowPolicy Policy(GatewayOptions options) =>
        new(_updater, new DestinationEjections(new GatewayMetrics(() => new NoProxyState()), NullLogger<DestinationEjections>.Instance), options, _time);

    [Fact]
    public void A_refused_connection_marks_the_destination_unhealthy_at_once_for_the_reactivation_period()
    {
        var policy = Policy(new GatewayOptions { ReactivationPeriod = TimeSpan.FromSeconds(7) });

        policy.RequestProxied(WithError(ForwarderError.Request, Refused()), _cluster, _destination);

        var call = Assert.Single(_updater.Calls);
        Assert.Same(_destination, call.Destination);
        Assert.Equal(DestinationHealth.Unhealthy, call.Health);
        Assert.Equal(TimeSpan.FromSeconds(7), call.Period);
    }

    [Fact]
    public void A_connect_timeout_counts_as_a_connect_failure()
    {
        var policy = Policy(new GatewayOptions());

        policy.RequestProxied(WithError(ForwarderError.Request, new TaskCanceledException("connect", new TimeoutException())), _cluster, _destination);

        Assert.Single(_updater.Calls);
    }

    [Fact]
    public void Timeouts_and_500s_take_the_replica_out_once_they_reach_the_minimum_and_the_rate()
    {
        var policy = Policy(new GatewayOptions { FailureMinimum = 3, FailureRate = 0.5, FailureWindow = TimeSpan.FromSeconds(10) });

        policy.RequestProxied(WithStatus(200), _cluster, _destination);
        policy.RequestProxied(WithError(ForwarderError.RequestTimedOut, new TaskCanceledException()), _cluster, _destination);
        policy.RequestProxied(WithStatus(500), _cluster, _destination);
        Assert.Empty(_updater.Calls); // two failures: below the minimum of three

        policy.RequestProxied(WithStatus(502), _cluster, _destination);

        var call = Assert.Single(_updater.Calls);
        Assert.Equal(DestinationHealth.Unhealthy, call.Health);
    }

    [Fact]
    public void Failures_below_the_rate_leave_the_replica_in()
    {
        var policy = Policy(new GatewayOptions { FailureMinimum = 3, FailureRate = 0.5 });

        for (var i = 0; i < 20; i++)
        {
            policy.RequestProxied(WithStatus(i % 3 == 0 ? 500 : 200), _cluster, _destination); // 7 of 20 failed
        }

        Assert.Empty(_updater.Calls);
    }

    [Fact]
    public void Failures_older_than_the_window_are_forgotten()
    {
        var policy = Policy(new GatewayOptions { FailureMinimum = 3, FailureRate = 0.5, FailureWindow = TimeSpan.FromSeconds(10) });

        policy.RequestProxied(WithStatus(500), _cluster, _destination);
        policy.RequestProxied(WithStatus(500), _cluster, _destination);
        _time.Advance(TimeSpan.FromSeconds(11));
        policy.RequestProxied(WithStatus(500), _cluster, _destination);
        policy.RequestProxied(WithStatus(500), _cluster, _destination);
        Assert.Empty(_updater.Calls);

        _time.Advance(TimeSpan.FromSeconds(5));
        policy.RequestProxied(WithStatus(500), _cluster, _destination);
        Assert.Single(_updater.Calls);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(404)]
    [InlineData(200)]
    public void A_full_replica_and_client_errors_are_not_failures(int status)
    {
        var policy = Policy(new GatewayOptions { FailureMinimum = 1, FailureRate = 0.1 });

        for (var i = 0; i < 10; i++)
        {
            policy.RequestProxied(WithStatus(status), _cluster, _destination);
        }

        Assert.Empty(_updater.Calls);
    }

    [Fact]
    public void Requests_the_client_abandoned_or_the_gateway_cancelled_say_nothing_about_the_replica()
    {
        var policy = Policy(new GatewayOptions { FailureMinimum = 1, FailureRate = 0.1 });
        var abandoned = WithError(ForwarderError.RequestCanceled, new TaskCanceledException());
        using var aborted = new CancellationTokenSource();
        aborted.Cancel();
        abandoned.RequestAborted = aborted.Token;

        policy.RequestProxied(abandoned, _cluster, _destination);
        policy.RequestProxied(WithError(ForwarderError.RequestTimedOut, new ReplicaEjectedException(CancellationToken.None)), _cluster, _destination);
        policy.RequestProxied(WithError(ForwarderError.ResponseBodyClient, new IOException()), _cluster, _destination);

        Assert.Empty(_updater.Calls);
    }

    internal static DestinationState Destination(string address) =>
        new(address, new DestinationModel(new DestinationConfig { Address = address }));

    private static HttpRequestException Refused() =>
        new(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:8001)", new SocketException((int)SocketError.ConnectionRefused));

    private static DefaultHttpContext WithStatus(int status)
    {
        var context = new DefaultHttpContext();
        context.Response.StatusCode = status;
        return context;
    }

    private static DefaultHttpContext WithError(ForwarderError error, Exception exception)
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IForwarderErrorFeature>(new ErrorFeature(error, exception));
        context.Response.StatusCode = 502;
        return context;
    }

    private sealed record ErrorFeature(ForwarderError Error, Exception? Exception) : IForwarderErrorFeature;

    internal sealed class NoProxyState : IProxyStateLookup
    {
        public bool TryGetRoute(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RouteModel? route) => (route = null) is not null;

        public IEnumerable<RouteModel> GetRoutes() => [];

        public bool TryGetCluster(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ClusterState? cluster) => (cluster = null) is not null;

        public IEnumerable<ClusterState> GetClusters() => [];
    }

    internal sealed class RecordingHealthUpdater : IDestinationHealthUpdater
    {
        public List<(DestinationState Destination, DestinationHealth Health, TimeSpan Period)> Calls { get; } = [];

        public List<NewActiveDestinationHealth> Active { get; } = [];

        public void SetActive(ClusterState cluster, IEnumerable<NewActiveDestinationHealth> newHealthPairs)
        {
            foreach (var pair in newHealthPairs)
            {
                Active.Add(pair);
                pair.Destination.Health.Active = pair.NewActiveHealth;
            }
        }

        public void SetPassive(ClusterState cluster, DestinationState destination, DestinationHealth newHealth, TimeSpan reactivationPeriod)
        {
            Calls.Add((destination, newHealth, reactivationPeriod));
            destination.Health.Passive = newHealth;
        }
    }
}
