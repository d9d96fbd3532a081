using System.Net;
using Autoscaler.Core.Metrics;
using Autoscaler.Prometheus.Api;
using Autoscaler.Prometheus.Metrics;
using Autoscaler.Prometheus.Tests.Api;

namespace Autoscaler.Prometheus.Tests.Metrics;

public sealed class PrometheusMetricSourceTests
{
    [Fact]
    public async Task Reading_carries_the_source_name_and_the_query_value()
    {
        var handler = FakePrometheusHandler.Json("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.42"]}]}}""");
        using var client = new PrometheusClient(new HttpClient(handler), new PrometheusClientOptions());
        var source = new PrometheusMetricSource("avg_rt", "avg(avg_over_time(webapp_response_time_seconds[30s]))", client);

        var reading = await source.ReadAsync(TestContext.Current.CancellationToken);

        Assert.Equal(MetricReading.Ok("avg_rt", 0.42), reading);
        Assert.Contains(Uri.EscapeDataString(source.Query), handler.Last.RequestUri!.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backend_failure_is_a_failed_reading_not_an_exception()
    {
        var handler = FakePrometheusHandler.Text("upstream down", HttpStatusCode.ServiceUnavailable);
        using var client = new PrometheusClient(new HttpClient(handler), new PrometheusClientOptions());
        IMetricSource source = new PrometheusMetricSource("avg_rt", "up", client);

        var reading = await source.ReadAsync(TestContext.Current.CancellationToken);

        Assert.Equal("avg_rt", reading.Metric);
        Assert.Equal(MetricFailureKind.HttpError, reading.Failure);
        Assert.Contains("503", reading.Message, StringComparison.Ordinal);
    }
}
