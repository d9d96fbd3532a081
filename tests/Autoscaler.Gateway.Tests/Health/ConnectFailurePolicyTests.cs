using System.Net.Http;
using System.Net.Sockets;
using Autoscaler.Gateway.Health;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Autoscaler.Gateway.Tests.Health;

public sealed class ConnectFailurePolicyTests
{
    private readonly RecordingHealthUpdater _updater = new();
    private readonly ClusterState _cluster = new("replicas");
    private readonly DestinationState _destination = new("http://127.0.0.1:8001/");

    [Fact]
    public void A_refused_connection_marks_the_destination_unhealthy_for_the_reactivation_period()
    {
        var policy = new ConnectFailurePolicy(_updater, new GatewayOptions { ReactivationPeriod = TimeSpan.FromSeconds(7) }, NullLogger<ConnectFailurePolicy>.Instance);

        policy.RequestProxied(WithError(ForwarderError.Request, Refused()), _cluster, _destination);

        var call = Assert.Single(_updater.Calls);
        Assert.Same(_destination, call.Destination);
        Assert.Equal(DestinationHealth.Unhealthy, call.Health);
        Assert.Equal(TimeSpan.FromSeconds(7), call.Period);
    }

    [Fact]
    public void A_connect_timeout_counts_as_a_connect_failure()
    {
        var policy = new ConnectFailurePolicy(_updater, new GatewayOptions(), NullLogger<ConnectFailurePolicy>.Instance);

        policy.RequestProxied(WithError(ForwarderError.Request, new TaskCanceledException("connect", new TimeoutException())), _cluster, _destination);

        Assert.Single(_updater.Calls);
    }

    [Theory]
    [InlineData(ForwarderError.Request)]
    [InlineData(ForwarderError.RequestTimedOut)]
    [InlineData(ForwarderError.ResponseBodyDestination)]
    [InlineData(ForwarderError.RequestCanceled)]
    public void Failures_after_the_connection_was_made_leave_health_alone(ForwarderError error)
    {
        var policy = new ConnectFailurePolicy(_updater, new GatewayOptions(), NullLogger<ConnectFailurePolicy>.Instance);
        var sentThenFailed = new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely.");

        policy.RequestProxied(WithError(error, sentThenFailed), _cluster, _destination);
        policy.RequestProxied(new DefaultHttpContext(), _cluster, _destination);

        Assert.Empty(_updater.Calls);
    }

    private static HttpRequestException Refused() =>
        new(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:8001)", new SocketException((int)SocketError.ConnectionRefused));

    private static DefaultHttpContext WithError(ForwarderError error, Exception exception)
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IForwarderErrorFeature>(new ErrorFeature(error, exception));
        return context;
    }

    private sealed record ErrorFeature(ForwarderError Error, Exception? Exception) : IForwarderErrorFeature;

    private sealed class RecordingHealthUpdater : IDestinationHealthUpdater
    {
        public List<(DestinationState Destination, DestinationHealth Health, TimeSpan Period)> Calls { get; } = [];

        public void SetActive(ClusterState cluster, IEnumerable<NewActiveDestinationHealth> newHealthPairs) => throw new NotSupportedException();

        public void SetPassive(ClusterState cluster, DestinationState destination, DestinationHealth newHealth, TimeSpan reactivationPeriod) =>
            Calls.Add((destination, newHealth, reactivationPeriod));
    }
}
