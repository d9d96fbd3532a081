using System.Net;
using System.Net.Http;
using Autoscaler.Gateway.Health;
using Autoscaler.Gateway.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Autoscaler.Gateway.Tests.Health;

/// <summary>Active health: which probe results take a replica out, which bring it back, and who is told.</summary>
public sealed class ProbePolicyTests
{
    private readonly FailureWindowPolicyTests.RecordingHealthUpdater _updater = new();
    private readonly ClusterState _cluster = new("replicas");
    private readonly DestinationState _destination = FailureWindowPolicyTests.Destination("http://127.0.0.1:8001/");
    private readonly List<DestinationHealthChangedEventArgs> _changes = [];

    private ProbePolicy Policy(int failures)
    {
        var ejections = new DestinationEjections(new GatewayMetrics(() => new FailureWindowPolicyTests.NoProxyState()), NullLogger<DestinationEjections>.Instance);
        ejections.ProbeHealthChanged += (_, e) => _changes.Add(e);
        return new ProbePolicy(_updater, ejections, new GatewayOptions { ProbeFailures = failures });
    }

    [Fact]
    public void The_replica_leaves_rotation_after_the_configured_number_of_failed_probes_in_a_row()
    {
        var policy = Policy(failures: 2);
        policy.ProbingCompleted(_cluster, [Answered(200)]);
        Assert.Equal(DestinationHealth.Healthy, _destination.Health.Active);

        policy.ProbingCompleted(_cluster, [TimedOut()]);
        Assert.Equal(DestinationHealth.Healthy, _destination.Health.Active);
        Assert.Empty(_changes);

        policy.ProbingCompleted(_cluster, [Answered(503)]);
        Assert.Equal(DestinationHealth.Unhealthy, _destination.Health.Active);
        var change = Assert.Single(_changes);
        Assert.False(change.Ready);
        Assert.Equal(new Uri("http://127.0.0.1:8001/"), change.Destination);
        Assert.Contains("503", change.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_between_successes_does_not_add_up()
    {
        var policy = Policy(failures: 2);

        policy.ProbingCompleted(_cluster, [TimedOut()]);
        policy.ProbingCompleted(_cluster, [Answered(200)]);
        policy.ProbingCompleted(_cluster, [TimedOut()]);

        Assert.Equal(DestinationHealth.Healthy, _destination.Health.Active);
        Assert.Empty(_changes);
    }

    [Fact]
    public void One_probe_that_passes_brings_the_replica_back_and_says_so_once()
    {
        var policy = Policy(failures: 1);
        policy.ProbingCompleted(_cluster, [Answered(200)]);
        policy.ProbingCompleted(_cluster, [TimedOut()]);
        policy.ProbingCompleted(_cluster, [TimedOut()]);
        Assert.Equal(DestinationHealth.Unhealthy, _destination.Health.Active);
        Assert.Contains("not answered within", Assert.Single(_changes).Reason, StringComparison.Ordinal);

        policy.ProbingCompleted(_cluster, [Answered(200)]);
        policy.ProbingCompleted(_cluster, [Answered(200)]);

        Assert.Equal(DestinationHealth.Healthy, _destination.Health.Active);
        Assert.Equal([false, true], _changes.Select(c => c.Ready));
    }

    [Fact]
    public void A_replica_that_never_passed_a_probe_stays_out_without_counting_as_an_ejection()
    {
        var policy = Policy(failures: 1);

        policy.ProbingCompleted(_cluster, [Answered(503)]);

        Assert.Equal(DestinationHealth.Unhealthy, _destination.Health.Active);
        Assert.Empty(_changes);
    }

    private DestinationProbingResult Answered(int status) =>
        new(_destination, new HttpResponseMessage((HttpStatusCode)status), null);

    private DestinationProbingResult TimedOut() =>
        new(_destination, null, new TaskCanceledException("The operation was canceled."));
}
