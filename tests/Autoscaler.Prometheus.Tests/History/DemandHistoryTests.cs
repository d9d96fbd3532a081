using System.Net;
using Autoscaler.Core.Policies;
using Autoscaler.Prometheus.Api;
using Autoscaler.Prometheus.History;
using Autoscaler.Prometheus.Tests.Api;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Prometheus.Tests.History;

/// <summary>Reading history with query_range, against canned answers (the real server is in the integration tests).</summary>
public sealed class DemandHistoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static PrometheusClient Client(FakePrometheusHandler handler) =>
        new(new HttpClient(handler), new PrometheusClientOptions { Url = "http://prometheus.test:9090" });

    private static string Matrix(params string[] series) =>
        $$$"""{"status":"success","data":{"resultType":"matrix","result":[{{{string.Join(",", series)}}}]}}""";

    private static string Series(string labels, params (long Time, string Value)[] values) =>
        $$"""{"metric":{{labels}},"values":[{{string.Join(",", values.Select(v => $"[{v.Time},\"{v.Value}\"]"))}}]}""";

    [Fact]
    public async Task One_series_becomes_points_in_seconds_since_the_start_skipping_values_that_are_not_numbers()
    {
        var handler = FakePrometheusHandler.Json(Matrix(Series("{}", (1_700_000_000, "12"), (1_700_000_015, "NaN"), (1_700_000_030, "30.5"), (1_700_000_045, "0"))));

        var history = await DemandHistory.FetchAsync(Client(handler), "sum(rate(webapp_request_count_total[30s]))", Start, Start.AddMinutes(1), TimeSpan.FromSeconds(15), Ct);

        Assert.Equal([new DemandPoint(0, 12), new DemandPoint(30, 30.5), new DemandPoint(45, 0)], history.Points);
        Assert.Equal([(0.0, 12.0), (30.0, 30.5), (45.0, 0.0)], history.AsTrace());
        Assert.Equal("?query=sum%28rate%28webapp_request_count_total%5B30s%5D%29%29&start=1700000000&end=1700000060&step=15", handler.Last.RequestUri!.Query);
    }

    [Fact]
    public async Task Several_series_are_refused_with_a_suggestion_to_sum_them()
    {
        var handler = FakePrometheusHandler.Json(Matrix(
            Series("""{"instance":"a:1"}""", (1_700_000_000, "1")),
            Series("""{"instance":"b:1"}""", (1_700_000_000, "2"))));

        var e = await Assert.ThrowsAsync<DemandHistoryException>(() =>
            DemandHistory.FetchAsync(Client(handler), "rate(webapp_request_count_total[30s])", Start, Start.AddMinutes(1), TimeSpan.FromSeconds(15), Ct));

        Assert.True(e.IsUsageError);
        Assert.Equal(
            "the query returned 2 series ({instance=\"a:1\"}, {instance=\"b:1\"}) where one is needed; wrap it in sum(...) to add them up, e.g. sum(rate(webapp_request_count_total[30s]))",
            e.Message);
    }

    [Fact]
    public async Task An_empty_result_says_there_is_no_data_in_the_range()
    {
        var handler = FakePrometheusHandler.Json(Matrix());

        var e = await Assert.ThrowsAsync<DemandHistoryException>(() =>
            DemandHistory.FetchAsync(Client(handler), "sum(nothing_here)", Start, Start.AddMinutes(1), TimeSpan.FromSeconds(15), Ct));

        Assert.True(e.IsUsageError);
        Assert.Equal("the query returned no data from 2023-11-14 22:13:20Z to 2023-11-14 22:14:20Z: sum(nothing_here); check the metric name and that Prometheus still holds that range", e.Message);
    }

    [Fact]
    public async Task A_negative_demand_is_refused()
    {
        var handler = FakePrometheusHandler.Json(Matrix(Series("{}", (1_700_000_000, "-3"))));

        var e = await Assert.ThrowsAsync<DemandHistoryException>(() =>
            DemandHistory.FetchAsync(Client(handler), "sum(delta(x[1m]))", Start, Start.AddMinutes(1), TimeSpan.FromSeconds(15), Ct));

        Assert.Contains("returned -3 at 2023-11-14 22:13:20Z, but a demand cannot be negative", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_promql_error_is_the_users_and_an_unreachable_server_is_not()
    {
        var bad = FakePrometheusHandler.Json("""{"status":"error","errorType":"bad_data","error":"parse error: unclosed left parenthesis"}""", HttpStatusCode.BadRequest);
        var down = new FakePrometheusHandler((_, _) => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"));

        var syntax = await Assert.ThrowsAsync<DemandHistoryException>(() => DemandHistory.FetchAsync(Client(bad), "sum(x", Start, Start.AddMinutes(1), TimeSpan.FromSeconds(15), Ct));
        var unreachable = await Assert.ThrowsAsync<DemandHistoryException>(() => DemandHistory.FetchAsync(Client(down), "sum(x)", Start, Start.AddMinutes(1), TimeSpan.FromSeconds(15), Ct));

        Assert.True(syntax.IsUsageError);
        Assert.Contains("parse error: unclosed left parenthesis", syntax.Message, StringComparison.Ordinal);
        Assert.False(unreachable.IsUsageError);
        Assert.Contains("cannot reach Prometheus at http://prometheus.test:9090/api/v1/query_range", unreachable.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 60, "the step 0s must be longer than 0s")]
    [InlineData(15, 0, "the end 2023-11-14 22:13:20Z must come after the start 2023-11-14 22:13:20Z")]
    public async Task A_bad_range_is_refused_before_asking(double stepSeconds, double lengthSeconds, string expected)
    {
        var handler = FakePrometheusHandler.Json(Matrix());

        var e = await Assert.ThrowsAsync<DemandHistoryException>(() =>
            DemandHistory.FetchAsync(Client(handler), "sum(x)", Start, Start.AddSeconds(lengthSeconds), TimeSpan.FromSeconds(stepSeconds), Ct));

        Assert.Equal(expected, e.Message);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task A_range_beyond_the_limit_of_points_is_read_in_several_calls()
    {
        var handler = FakePrometheusHandler.Json(Matrix(Series("{}", (1_700_000_000, "5"))));
        var end = Start.AddSeconds(25_000); // 25,001 steps of 1 s

        await DemandHistory.FetchAsync(Client(handler), "sum(x)", Start, end, TimeSpan.FromSeconds(1), Ct);

        Assert.Equal(
            ["start=1700000000&end=1700009999", "start=1700010000&end=1700019999", "start=1700020000&end=1700025000"],
            handler.Requests.Select(r => string.Join('&', r.RequestUri!.Query.Split('&').Where(p => p.StartsWith("start=", StringComparison.Ordinal) || p.StartsWith("end=", StringComparison.Ordinal)))));
    }

    [Fact]
    public async Task Series_that_change_labels_between_calls_are_several_series()
    {
        var calls = 0;
        var handler = new FakePrometheusHandler((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent(Matrix(Series($$"""{"instance":"replica-{{++calls}}"}""", (1_700_000_000 + (calls * 10_000), "1")))),
        }));

        var e = await Assert.ThrowsAsync<DemandHistoryException>(() =>
            DemandHistory.FetchAsync(Client(handler), "webapp_inflight_requests", Start, Start.AddSeconds(15_000), TimeSpan.FromSeconds(1), Ct));

        Assert.Contains("returned 2 series ({instance=\"replica-1\"}, {instance=\"replica-2\"})", e.Message, StringComparison.Ordinal);
        Assert.Contains("sum(webapp_inflight_requests)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Warm_up_reads_the_last_seasons_one_point_per_slot_middle_and_warms_the_policy()
    {
        var now = Start.AddHours(2).AddSeconds(17);
        var clock = new FakeTimeProvider(now);
        var policy = new PredictivePolicy(new PredictivePolicyOptions { Target = 10, SeasonLength = TimeSpan.FromHours(1), SampleInterval = TimeSpan.FromMinutes(1), WarmUpSeasons = 2 }, clock);
        var from = Start.AddSeconds(70); // Start is at :20 s; the range begins at :37 s; the next slot middle is at :30 s of the minute after
        var values = Enumerable.Range(0, 120).Select(i => (from.ToUnixTimeSeconds() + (60 * i), "40")).ToArray();
        var handler = FakePrometheusHandler.Json(Matrix(Series("{}", values)));

        var result = await PredictiveWarmUp.WarmAsync(policy, "sum(rate(webapp_request_count_total[1m]))", Client(handler), clock, Ct);

        Assert.True(result.Succeeded, result.Problem);
        Assert.Equal(120, result.Points);
        Assert.Equal((from, TimeSpan.FromMinutes(1)), (result.From, result.Step));
        Assert.Contains($"start={from.ToUnixTimeSeconds()}&end={now.ToUnixTimeSeconds()}&step=60", handler.Last.RequestUri!.Query, StringComparison.Ordinal);
        Assert.True(policy.IsWarm);
        Assert.Equal(4, policy.Propose(3, Core.Metrics.MetricReading.Ok("rps", 40)).Replicas);
        Assert.Equal(40, policy.LastForecast!.Value, 9);
        Assert.StartsWith("predictive policy for metric 'rps' read 120 values of its history since 2023-11-14 22:14:30Z every 60s: warm", PredictiveWarmUp.Describe("rps", policy, result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Warm_up_of_a_long_season_reads_at_a_coarser_step_within_the_limit()
    {
        var clock = new FakeTimeProvider(Start);
        var policy = new PredictivePolicy(new PredictivePolicyOptions { Target = 10, SeasonLength = TimeSpan.FromDays(7), SampleInterval = TimeSpan.FromMinutes(1) }, clock);
        var handler = FakePrometheusHandler.Json(Matrix());

        var result = await PredictiveWarmUp.WarmAsync(policy, "sum(x)", Client(handler), clock, Ct);

        Assert.True(result.Succeeded);
        Assert.Equal(0, result.Points);
        Assert.Equal(TimeSpan.FromSeconds(121), result.Step); // two weeks in at most 10,000 points
        Assert.Single(handler.Requests);
        Assert.False(policy.IsWarm);
    }

    [Fact]
    public async Task Warm_up_with_no_seasons_asks_nothing_and_an_unreachable_server_leaves_the_policy_cold()
    {
        var clock = new FakeTimeProvider(Start);
        var none = new PredictivePolicy(new PredictivePolicyOptions { WarmUpSeasons = 0 }, clock);
        var cold = new PredictivePolicy(new PredictivePolicyOptions(), clock);
        var down = new FakePrometheusHandler((_, _) => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"));

        var skipped = await PredictiveWarmUp.WarmAsync(none, "sum(x)", Client(down), clock, Ct);
        var failed = await PredictiveWarmUp.WarmAsync(cold, "sum(x)", Client(down), clock, Ct);

        Assert.True(skipped.Succeeded);
        Assert.Single(down.Requests);
        Assert.False(failed.Succeeded);
        Assert.False(cold.IsWarm);
        Assert.StartsWith("predictive policy for metric 'rps' starts cold: cannot read its history from Prometheus: cannot reach Prometheus", PredictiveWarmUp.Describe("rps", cold, failed), StringComparison.Ordinal);
    }
}
