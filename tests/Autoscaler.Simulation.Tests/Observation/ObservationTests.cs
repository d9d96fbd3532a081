using Autoscaler.Core.Metrics;
using Autoscaler.Simulation.Observation;

namespace Autoscaler.Simulation.Tests.Observation;

public sealed class ObservationTests
{
    [Theory]
    [InlineData("avg(avg_over_time(webapp_response_time_seconds[30s]))", ObservedKind.ResponseTime, 30, ObservedAggregation.Avg)]
    [InlineData("avg( avg_over_time( webapp_response_time_seconds[1m] ) )", ObservedKind.ResponseTime, 60, ObservedAggregation.Avg)]
    [InlineData("sum(rate(webapp_request_count_total[30s]))", ObservedKind.RequestRate, 30, ObservedAggregation.Sum)]
    [InlineData("sum(irate(gateway_requests_total[30s]))", ObservedKind.RequestRate, 30, ObservedAggregation.Sum)]
    [InlineData("sum(irate(gateway_requests_received_total[30s]))", ObservedKind.RequestRate, 30, ObservedAggregation.Sum)]
    [InlineData("avg(rate(webapp_request_count_total[2m]))", ObservedKind.RequestRate, 120, ObservedAggregation.Avg)]
    [InlineData("sum(avg_over_time(webapp_queue_length[30s]))", ObservedKind.QueueLength, 30, ObservedAggregation.Sum)]
    [InlineData("avg(webapp_queue_length)", ObservedKind.QueueLength, 0, ObservedAggregation.Avg)]
    [InlineData("histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[1m])) by (le))", ObservedKind.P95ResponseTime, 60, ObservedAggregation.Avg)]
    [InlineData("histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))", ObservedKind.P95ResponseTime, 60, ObservedAggregation.Avg)]
    [InlineData("avg(rate(webapp_busy_seconds_total[1m]) / webapp_workers)", ObservedKind.Utilization, 60, ObservedAggregation.Avg)]
    [InlineData("avg(rate(webapp_request_count_total[1m]) - rate(webapp_rejected_requests_total[1m]))", ObservedKind.AcceptedRate, 60, ObservedAggregation.Avg)]
    [InlineData("sum(rate(webapp_busy_seconds_total[30s])) / sum(webapp_workers)", ObservedKind.Utilization, 30, ObservedAggregation.Avg)]
    public void The_shipped_queries_are_recognized(string query, ObservedKind kind, int windowSeconds, ObservedAggregation aggregation)
    {
        Assert.Equal(new ObservedMetric("m", kind, TimeSpan.FromSeconds(windowSeconds), aggregation, 0.05), QueryRecognizer.Recognize("m", query, 0.05));
    }

    [Theory]
    [InlineData("max(avg_over_time(webapp_response_time_seconds[30s]))")]
    [InlineData("sum(rate(process_cpu_seconds_total[1m]))")]
    [InlineData("histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket[1m])) by (le))")]
    [InlineData("sum(rate(webapp_busy_seconds_total[1m]) / webapp_workers)")]
    [InlineData("avg(rate(gateway_requests_total[30s]))")]
    [InlineData("avg(rate(webapp_request_count_total[1m]) - rate(webapp_rejected_requests_total[30s]))")]
    public void Other_queries_are_not_guessed(string query)
    {
        Assert.Null(QueryRecognizer.Recognize("m", query, 0));
    }

    private static ScrapeHistory History(params (long Step, double Latency, double Counter, int Replicas)[] samples)
    {
        var history = new ScrapeHistory(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), 1, seed: 1);
        foreach (var (step, latency, counter, replicas) in samples)
        {
            history.Record(new ScrapeSample { Step = step, ResponseTime = latency, Counter = counter, Replicas = replicas, QueuePerReplica = latency * 10 });
        }

        return history;
    }

    [Fact]
    public void A_window_averages_the_scrapes_after_its_start_up_to_now()
    {
        var history = History((5, 9, 0, 1), (10, 1, 0, 1), (15, 2, 0, 1), (20, 3, 0, 1), (25, 4, 0, 1), (30, 5, 0, 1), (35, 6, 0, 1));
        var metric = new ObservedMetric("avg_rt", ObservedKind.ResponseTime, TimeSpan.FromSeconds(30));

        // (35 − 30, 35]: the scrapes at 10 … 35, not the one at 5.
        Assert.Equal(MetricReading.Ok("avg_rt", 3.5), history.Read(metric, 0, now: 35));
        Assert.Equal(MetricReading.Ok("q", 60), history.Read(new ObservedMetric("q", ObservedKind.QueueLength, TimeSpan.Zero), 0, now: 35));
    }

    [Fact]
    public void A_rate_is_the_counter_increase_between_the_first_and_last_scrape_over_the_time_between()
    {
        var history = History((5, 0, 100, 2), (10, 0, 300, 2), (15, 0, 700, 2));
        Assert.Equal(MetricReading.Ok("rps", 60), history.Read(new ObservedMetric("rps", ObservedKind.RequestRate, TimeSpan.FromSeconds(30), ObservedAggregation.Sum), 0, now: 15));
        Assert.Equal(MetricReading.Ok("rps", 30), history.Read(new ObservedMetric("rps", ObservedKind.RequestRate, TimeSpan.FromSeconds(30), ObservedAggregation.Avg), 0, now: 15));
    }

    [Fact]
    public void Without_scrapes_in_the_window_there_is_no_data_as_with_an_empty_vector()
    {
        var rate = new ObservedMetric("rps", ObservedKind.RequestRate, TimeSpan.FromSeconds(30), ObservedAggregation.Sum);
        Assert.Equal(MetricFailureKind.NoData, History().Read(rate, 0, now: 10).Failure);
        Assert.Equal(MetricFailureKind.NoData, History((5, 0, 100, 1)).Read(rate, 0, now: 10).Failure); // a rate needs two
        var latency = new ObservedMetric("avg_rt", ObservedKind.ResponseTime, TimeSpan.FromSeconds(30));
        Assert.Equal(MetricFailureKind.NoData, History((5, 1, 0, 1)).Read(latency, 0, now: 40).Failure);
    }

    [Fact]
    public void Noise_is_the_same_for_the_same_metric_and_moment_and_differs_between_moments()
    {
        var history = History((5, 1, 0, 1), (10, 1, 0, 1));
        var noisy = new ObservedMetric("avg_rt", ObservedKind.ResponseTime, TimeSpan.FromSeconds(30), Noise: 0.1);
        var a = history.Read(noisy, 7, now: 10).Value!.Value;
        Assert.Equal(a, History((5, 1, 0, 1), (10, 1, 0, 1)).Read(noisy, 7, now: 10).Value!.Value);
        Assert.NotEqual(a, history.Read(noisy, 7, now: 11).Value!.Value);
        Assert.NotEqual(1, a);
    }
}
