using Autoscaler.Core.Metrics;
using Autoscaler.Prometheus.Api;
using Autoscaler.Prometheus.Metrics;
using Autoscaler.Prometheus.Server;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Prometheus;

/// <summary>The client against a real Prometheus that scrapes a real demo replica.</summary>
public sealed class PrometheusQueryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Valid_query_returns_the_value_the_replica_exports()
    {
        await using var stack = await PrometheusStack.StartAsync(replicas: 1, Ct);
        var replica = stack.Replicas[0];

        var up = await stack.WaitForAsync(() => stack.Client.QueryScalarAsync("up{job=\"webapp\"}", Ct), r => r.Value == 1, "first scrape of the replica");
        var workers = await stack.Client.QueryScalarAsync("webapp_workers", Ct);
        var reading = await new PrometheusMetricSource("avg_rt", "avg(avg_over_time(webapp_response_time_seconds[30s]))", stack.Client).ReadAsync(Ct);

        Assert.Equal(PrometheusStack.Target(replica.Url), up.Labels["instance"]);
        Assert.Equal("webapp", up.Labels["service"]);
        Assert.True(workers.Succeeded, workers.Message);
        Assert.Equal(3, workers.Value);
        Assert.True(reading.Succeeded, reading.Message);
        Assert.Equal(0, reading.Value); // no requests served yet
    }

    [Fact]
    public async Task Empty_result_is_no_data_syntax_error_is_a_query_error_in_prometheus_words_and_targets_list_the_replica_up()
    {
        await using var stack = await PrometheusStack.StartAsync(replicas: 1, Ct);
        var replica = stack.Replicas[0];

        var empty = await stack.Client.QueryScalarAsync("webapp_workers{instance=\"nobody:1\"}", Ct);
        Assert.Equal(MetricFailureKind.NoData, empty.Failure);
        Assert.Contains("no data", empty.Message, StringComparison.Ordinal);

        var broken = await stack.Client.QueryScalarAsync("sum(webapp_workers", Ct);
        Assert.Equal(MetricFailureKind.QueryError, broken.Failure);
        Assert.Equal("bad_data", broken.Error!.ErrorType);
        Assert.Equal(400, broken.Error.StatusCode);
        Assert.Contains("parse error", broken.Message, StringComparison.Ordinal);

        var targets = await stack.WaitForAsync(
            () => stack.Client.GetTargetsAsync(Ct),
            t => t.Value?.Any(x => x.ScrapePool == "webapp" && x.IsUp) == true,
            "the replica's target to be up");
        var target = Assert.Single(targets.Value!, t => t.ScrapePool == PrometheusServerOptions.WebAppJob);
        Assert.Equal(new Uri(replica.Url, "/metrics").ToString(), target.ScrapeUrl);
        Assert.Equal("up", target.Health);
        Assert.Equal("", target.LastError);
        Assert.NotNull(target.LastScrape);
        Assert.Equal(PrometheusStack.Target(replica.Url), target.Labels["instance"]);
    }

    [Fact]
    public async Task Rewriting_the_file_sd_file_adds_and_removes_replicas_without_a_restart()
    {
        await using var stack = await PrometheusStack.StartAsync(replicas: 1, Ct);
        var first = stack.Replicas[0];
        await stack.WaitForAsync(() => stack.Client.QueryScalarAsync("up{job=\"webapp\"}", Ct), r => r.Value == 1, "first scrape of replica 1");
        var pid = stack.Server.ProcessId;

        var second = await stack.AddReplicaAsync();
        await stack.WriteTargetsAsync([first.Url, second.Url], Ct);

        var both = await stack.WaitForAsync(
            () => stack.Client.QueryAsync("up{job=\"webapp\"} == 1", cancellationToken: Ct),
            r => r.Value?.Samples.Count == 2,
            "Prometheus to scrape the second replica listed in the rewritten file");
        Assert.Equal(
            new[] { first.Url, second.Url }.Select(PrometheusStack.Target).Order(),
            both.Value!.Samples.Select(s => s.Labels["instance"]).Order());
        var total = await stack.WaitForAsync(() => stack.Client.QueryScalarAsync("sum(webapp_workers)", Ct), r => r.Value == 6, "both replicas' workers summed");
        Assert.Equal(6, total.Value);

        await stack.WriteTargetsAsync([second.Url], Ct);
        await stack.WaitForAsync(
            () => stack.Client.GetTargetsAsync(Ct),
            t => t.Value?.Count(x => x.ScrapePool == "webapp") == 1 && t.Value.Any(x => x.Labels["instance"] == PrometheusStack.Target(second.Url)),
            "Prometheus to drop the replica removed from the file");
        Assert.Equal(pid, stack.Server.ProcessId);
        Assert.False(stack.Server.HasExited);
    }

    [Fact]
    public async Task Prometheus_that_went_away_is_unreachable_with_a_clear_message_and_no_exception()
    {
        var binary = RequiredBinary.Find("prometheus", "apt-get install prometheus");
        using var directory = new TempDirectory("prometheus-it");
        var server = await PrometheusServer.StartAsync(new PrometheusServerOptions { BinaryPath = binary, WorkingDirectory = directory.Path, Port = 0 }, cancellationToken: Ct);
        Uri url;
        await using (server)
        {
            url = server.Url;
            using var before = server.CreateClient();
            Assert.True((await before.IsReadyAsync(Ct)).Value);
        }

        using var client = new PrometheusClient(new PrometheusClientOptions { Url = url.ToString() });
        var result = await client.QueryScalarAsync("up", Ct);

        Assert.Equal(MetricFailureKind.Unreachable, result.Failure);
        Assert.Contains($"{url}api/v1/query", result.Message, StringComparison.Ordinal);
        Assert.Contains("connection refused", result.Message, StringComparison.Ordinal);
    }
}
