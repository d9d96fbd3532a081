using System.Net;
using System.Text;
using Autoscaler.Core.Metrics;
using Autoscaler.Prometheus.Api;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Prometheus.Tests.Api;

public sealed class PrometheusClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (PrometheusClient Client, FakePrometheusHandler Handler) Create(FakePrometheusHandler handler, PrometheusClientOptions? options = null) =>
        (new PrometheusClient(new HttpClient(handler), options ?? new PrometheusClientOptions { Url = "http://prometheus.test:9090" }), handler);

    private static string Vector(params string[] samples) =>
        $$$"""{"status":"success","data":{"resultType":"vector","result":[{{{string.Join(",", samples)}}}]}}""";

    private static string Sample(string value, string labels = """{"__name__":"webapp_workers","job":"webapp","instance":"127.0.0.1:8001"}""") =>
        $$"""{"metric":{{labels}},"value":[1700000000.5,"{{value}}"]}""";

    [Fact]
    public async Task QueryScalar_vector_of_one_sample_returns_its_value_labels_and_time()
    {
        var (client, handler) = Create(FakePrometheusHandler.Json(Vector(Sample("0.75"))));

        var result = await client.QueryScalarAsync("avg(webapp_response_time_seconds)", Ct);

        Assert.True(result.Succeeded);
        Assert.Equal(0.75, result.Value);
        Assert.Equal("webapp", result.Labels["job"]);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_500), result.Timestamp);
        Assert.Equal(MetricReading.Ok("rt", 0.75), result.ToReading("rt"));
        Assert.Equal("/api/v1/query", handler.Last.RequestUri!.AbsolutePath);
        Assert.Equal("?query=avg%28webapp_response_time_seconds%29", handler.Last.RequestUri.Query);
    }

    [Fact]
    public async Task QueryScalar_scalar_result_returns_its_value()
    {
        var (client, _) = Create(FakePrometheusHandler.Json("""{"status":"success","data":{"resultType":"scalar","result":[1700000000,"42"]}}"""));

        var result = await client.QueryScalarAsync("scalar(sum(up))", Ct);

        Assert.Equal(42, result.Value);
        Assert.Empty(result.Labels);
    }

    [Fact]
    public async Task QueryScalar_empty_vector_is_no_data()
    {
        var (client, _) = Create(FakePrometheusHandler.Json(Vector()));

        var reading = (await client.QueryScalarAsync("missing_metric", Ct)).ToReading("rt");

        Assert.False(reading.Succeeded);
        Assert.Equal(MetricFailureKind.NoData, reading.Failure);
        Assert.Contains("missing_metric", reading.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("+Inf")]
    [InlineData("-Inf")]
    public async Task QueryScalar_non_finite_value_is_not_finite_and_says_which(string value)
    {
        var (client, _) = Create(FakePrometheusHandler.Json(Vector(Sample(value))));

        var result = await client.QueryScalarAsync("rate(x[1m]) / rate(y[1m])", Ct);

        Assert.Null(result.Value);
        Assert.Equal(MetricFailureKind.NotFinite, result.Failure);
        Assert.Contains(value, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryScalar_several_series_is_too_many_series_and_names_them()
    {
        var (client, _) = Create(FakePrometheusHandler.Json(Vector(
            Sample("1", """{"instance":"127.0.0.1:8001"}"""),
            Sample("2", """{"instance":"127.0.0.1:8002"}"""))));

        var result = await client.QueryScalarAsync("webapp_workers", Ct);

        Assert.Equal(MetricFailureKind.TooManySeries, result.Failure);
        Assert.Equal(2, result.SeriesCount);
        Assert.Contains("2 series", result.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:8002", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryScalar_matrix_result_is_reported_as_unsupported_for_one_number()
    {
        var (client, _) = Create(FakePrometheusHandler.Json(
            """{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"2"]]}]}}"""));

        var result = await client.QueryScalarAsync("up[1m]", Ct);

        Assert.Equal(MetricFailureKind.QueryError, result.Failure);
        Assert.Contains("range vector", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryScalar_string_result_is_reported_as_unsupported_for_one_number()
    {
        var (client, _) = Create(FakePrometheusHandler.Json("""{"status":"success","data":{"resultType":"string","result":[1,"hello"]}}"""));

        var result = await client.QueryScalarAsync("\"hello\"", Ct);

        Assert.Equal(MetricFailureKind.QueryError, result.Failure);
        Assert.Contains("string", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_data_400_is_a_query_error_with_prometheus_own_type_and_text()
    {
        const string Body = """{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:8: parse error: unclosed left parenthesis"}""";
        var (client, _) = Create(FakePrometheusHandler.Json(Body, HttpStatusCode.BadRequest));

        var result = await client.QueryAsync("sum(up", cancellationToken: Ct);

        Assert.False(result.Succeeded);
        Assert.Equal(PrometheusErrorKind.QueryError, result.Error!.Kind);
        Assert.Equal("bad_data", result.Error.ErrorType);
        Assert.Equal(400, result.Error.StatusCode);
        Assert.Contains("parse error: unclosed left parenthesis", result.Error.Message, StringComparison.Ordinal);
        var scalar = await client.QueryScalarAsync("sum(up", Ct);
        Assert.Equal(MetricFailureKind.QueryError, scalar.Failure);
        Assert.Contains("bad_data", scalar.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execution_error_422_is_a_query_error()
    {
        var (client, _) = Create(FakePrometheusHandler.Json(
            """{"status":"error","errorType":"execution","error":"found duplicate series for the match group"}""", HttpStatusCode.UnprocessableEntity));

        var result = await client.QueryScalarAsync("a / on() b", Ct);

        Assert.Equal(MetricFailureKind.QueryError, result.Failure);
        Assert.Equal("execution", result.Error!.ErrorType);
        Assert.Contains("found duplicate series", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_json_502_is_an_http_error_with_status_and_a_short_excerpt()
    {
        var html = "<html><body><h1>502 Bad Gateway</h1>" + new string('x', 5000) + "</body></html>";
        var (client, _) = Create(FakePrometheusHandler.Text(html, HttpStatusCode.BadGateway, "text/html"));

        var result = await client.QueryScalarAsync("up", Ct);

        Assert.Equal(MetricFailureKind.HttpError, result.Failure);
        Assert.Equal(502, result.Error!.StatusCode);
        Assert.Contains("502", result.Message, StringComparison.Ordinal);
        Assert.Contains("<h1>502 Bad Gateway</h1>", result.Message, StringComparison.Ordinal);
        Assert.True(result.Message!.Length < 400, $"the excerpt should be short: {result.Message.Length} chars");
        Assert.Contains("http://prometheus.test:9090/api/v1/query", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Html_page_with_200_is_an_invalid_response_that_suggests_checking_the_url()
    {
        var (client, _) = Create(FakePrometheusHandler.Text("<html>Grafana</html>", HttpStatusCode.OK, "text/html"));

        var result = await client.QueryAsync("up", cancellationToken: Ct);

        Assert.Equal(PrometheusErrorKind.InvalidResponse, result.Error!.Kind);
        Assert.Contains("URL", result.Error.Message, StringComparison.Ordinal);
        Assert.Equal(MetricFailureKind.HttpError, result.Error.ToFailureKind());
    }

    [Fact]
    public async Task Connection_failure_is_unreachable_and_names_the_url()
    {
        var handler = new FakePrometheusHandler((_, _) =>
            throw new HttpRequestException(HttpRequestError.NameResolutionError, "Name or service not known (nowhere.invalid:9090)"));
        var (client, _) = Create(handler, new PrometheusClientOptions { Url = "http://nowhere.invalid:9090" });

        var result = await client.QueryScalarAsync("up", Ct);

        Assert.Equal(MetricFailureKind.Unreachable, result.Failure);
        Assert.Contains("http://nowhere.invalid:9090/api/v1/query", result.Message, StringComparison.Ordinal);
        Assert.Contains("DNS", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_answer_within_the_timeout_is_a_timeout_result()
    {
        var time = new FakeTimeProvider();
        var handler = new FakePrometheusHandler(async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            throw new InvalidOperationException("unreachable");
        });
        using var client = new PrometheusClient(new HttpClient(handler), new PrometheusClientOptions { Timeout = TimeSpan.FromSeconds(3) }, time);

        var pending = client.QueryScalarAsync("up", Ct);
        time.Advance(TimeSpan.FromSeconds(3));
        var result = await pending;

        Assert.Equal(MetricFailureKind.Timeout, result.Failure);
        Assert.Contains("3s", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_throws()
    {
        var handler = new FakePrometheusHandler(async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            throw new InvalidOperationException("unreachable");
        });
        var (client, _) = Create(handler);
        using var cts = new CancellationTokenSource();

        var pending = client.QueryScalarAsync("up", cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    [Fact]
    public async Task Bearer_token_is_sent_as_authorization_header()
    {
        var (client, handler) = Create(FakePrometheusHandler.Json(Vector()), new PrometheusClientOptions { BearerToken = "s3cret" });

        await client.QueryAsync("up", cancellationToken: Ct);

        Assert.Equal("Bearer", handler.Last.Headers.Authorization!.Scheme);
        Assert.Equal("s3cret", handler.Last.Headers.Authorization.Parameter);
    }

    [Fact]
    public async Task A_bearer_token_file_is_read_at_every_request_so_a_rotated_token_is_used_at_once()
    {
        using var dir = new Autoscaler.Testing.TempDirectory();
        var file = dir.File("token");
        await File.WriteAllTextAsync(file, "first-token\n", Ct);
        var (client, handler) = Create(FakePrometheusHandler.Json(Vector()), new PrometheusClientOptions { BearerTokenFile = file });

        await client.QueryAsync("up", cancellationToken: Ct);
        Assert.Equal(("Bearer", "first-token"), (handler.Last.Headers.Authorization!.Scheme, handler.Last.Headers.Authorization.Parameter));

        await File.WriteAllTextAsync(file, "rotated-token\n", Ct);
        await client.QueryAsync("up", cancellationToken: Ct);
        Assert.Equal("rotated-token", handler.Last.Headers.Authorization!.Parameter);

        File.Delete(file);
        var gone = await client.QueryScalarAsync("up", Ct);
        Assert.Equal(MetricFailureKind.HttpError, gone.Failure);
        Assert.Contains("its credentials file cannot be read", gone.Message, StringComparison.Ordinal);
        Assert.Equal(2, handler.Requests.Count); // nothing was sent without the token
    }

    [Fact]
    public async Task A_password_file_gives_the_basic_password()
    {
        using var dir = new Autoscaler.Testing.TempDirectory();
        await File.WriteAllTextAsync(dir.File("password"), "p:ss\r\n", Ct);
        var (client, handler) = Create(FakePrometheusHandler.Json(Vector()), new PrometheusClientOptions { Username = "scaler", PasswordFile = dir.File("password") });

        await client.GetTargetsAsync(Ct);

        Assert.Equal("scaler:p:ss", Encoding.UTF8.GetString(Convert.FromBase64String(handler.Last.Headers.Authorization!.Parameter!)));
    }

    [Fact]
    public async Task Basic_credentials_are_sent_base64_encoded()
    {
        var (client, handler) = Create(FakePrometheusHandler.Json(Vector()), new PrometheusClientOptions { Username = "scaler", Password = "p:ss" });

        await client.GetTargetsAsync(Ct);

        Assert.Equal("Basic", handler.Last.Headers.Authorization!.Scheme);
        Assert.Equal("scaler:p:ss", Encoding.UTF8.GetString(Convert.FromBase64String(handler.Last.Headers.Authorization.Parameter!)));
    }

    [Fact]
    public async Task Extra_headers_are_sent_and_no_authorization_without_credentials()
    {
        var options = new PrometheusClientOptions { Headers = { ["X-Scope-OrgID"] = "tenant-1", ["X-Trace"] = "abc" } };
        var (client, handler) = Create(FakePrometheusHandler.Text("Prometheus Server is Ready.", HttpStatusCode.OK), options);

        await client.IsReadyAsync(Ct);

        Assert.Equal("tenant-1", handler.Last.Headers.GetValues("X-Scope-OrgID").Single());
        Assert.Equal("abc", handler.Last.Headers.GetValues("X-Trace").Single());
        Assert.Null(handler.Last.Headers.Authorization);
    }

    [Fact]
    public async Task Url_path_prefix_is_kept()
    {
        var (client, handler) = Create(FakePrometheusHandler.Json(Vector()), new PrometheusClientOptions { Url = "https://proxy.test/prometheus" });

        await client.QueryAsync("up", cancellationToken: Ct);

        Assert.Equal("https://proxy.test/prometheus/api/v1/query?query=up", handler.Last.RequestUri!.ToString());
    }

    [Fact]
    public async Task Instant_query_at_a_time_sends_it_in_unix_seconds()
    {
        var (client, handler) = Create(FakePrometheusHandler.Json(Vector()));

        await client.QueryAsync("up", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250), Ct);

        Assert.Contains("time=1700000000.25", handler.Last.RequestUri!.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Range_query_returns_series_with_points_and_sends_start_end_step()
    {
        var (client, handler) = Create(FakePrometheusHandler.Json("""
            {"status":"success","warnings":["some warning"],"data":{"resultType":"matrix","result":[
              {"metric":{"instance":"a"},"values":[[1700000000,"1"],[1700000015,"NaN"]]},
              {"metric":{"instance":"b"},"values":[[1700000000,"+Inf"]]}]}}
            """));
        var start = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

        var result = await client.QueryRangeAsync("webapp_workers", start, start.AddMinutes(1), TimeSpan.FromSeconds(15), Ct);

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(["some warning"], result.Warnings);
        var a = Assert.Single(result.Value!, s => s.Labels["instance"] == "a");
        Assert.Equal(2, a.Points.Count);
        Assert.Equal(new PrometheusPoint(start, 1), a.Points[0]);
        Assert.True(double.IsNaN(a.Points[1].Value));
        Assert.Equal(double.PositiveInfinity, result.Value!.Single(s => s.Labels["instance"] == "b").Points[0].Value);
        Assert.Equal("/api/v1/query_range", handler.Last.RequestUri!.AbsolutePath);
        Assert.Equal("?query=webapp_workers&start=1700000000&end=1700000060&step=15", handler.Last.RequestUri.Query);
    }

    [Fact]
    public async Task Targets_are_parsed_with_health_labels_last_error_and_last_scrape()
    {
        var (client, handler) = Create(FakePrometheusHandler.Json("""
            {"status":"success","data":{"activeTargets":[
              {"discoveredLabels":{"__address__":"127.0.0.1:8001"},"labels":{"instance":"127.0.0.1:8001","job":"webapp"},
               "scrapePool":"webapp","scrapeUrl":"http://127.0.0.1:8001/metrics","globalUrl":"http://host:8001/metrics",
               "lastError":"","lastScrape":"2024-05-01T10:00:00.5+02:00","lastScrapeDuration":0.0123,"health":"up"},
              {"labels":{"instance":"127.0.0.1:8002","job":"webapp"},"scrapePool":"webapp","scrapeUrl":"http://127.0.0.1:8002/metrics",
               "lastError":"Get \"http://127.0.0.1:8002/metrics\": dial tcp 127.0.0.1:8002: connect: connection refused",
               "lastScrape":"0001-01-01T00:00:00Z","lastScrapeDuration":0,"health":"down"}],"droppedTargets":[]}}
            """));

        var result = await client.GetTargetsAsync(Ct);

        Assert.Equal("?state=active", handler.Last.RequestUri!.Query);
        Assert.Collection(result.Value!,
            up =>
            {
                Assert.True(up.IsUp);
                Assert.Equal("webapp", up.ScrapePool);
                Assert.Equal("http://127.0.0.1:8001/metrics", up.ScrapeUrl);
                Assert.Equal("webapp", up.Labels["job"]);
                Assert.Equal(new DateTimeOffset(2024, 5, 1, 8, 0, 0, 500, TimeSpan.Zero), up.LastScrape);
                Assert.Equal(TimeSpan.FromSeconds(0.0123), up.LastScrapeDuration);
            },
            down =>
            {
                Assert.False(down.IsUp);
                Assert.Contains("connection refused", down.LastError, StringComparison.Ordinal);
                Assert.Null(down.LastScrape);
            });
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, false)]
    public async Task Ready_is_true_when_ready_and_false_while_starting(HttpStatusCode status, bool expected)
    {
        var (client, handler) = Create(FakePrometheusHandler.Text("whatever", status));

        var result = await client.IsReadyAsync(Ct);

        Assert.Equal(expected, result.Value);
        Assert.Equal("/-/ready", handler.Last.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task Malformed_sample_is_an_invalid_response_not_an_exception()
    {
        var (client, _) = Create(FakePrometheusHandler.Json(Vector("""{"metric":{},"value":[1,"not-a-number"]}""")));

        var result = await client.QueryScalarAsync("up", Ct);

        Assert.Equal(MetricFailureKind.HttpError, result.Failure);
        Assert.Equal(PrometheusErrorKind.InvalidResponse, result.Error!.Kind);
        Assert.Contains("not-a-number", result.Message, StringComparison.Ordinal);
    }
}
