using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Scaling;
using Autoscaler.Scaler.Alerts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Scaler.Tests;

/// <summary>
/// The scaler's Alertmanager webhook, through the real host on a free port. The clock is fake and never advanced,
/// so after the first evaluation at start no periodic tick can run: any later evaluation came from an alert.
/// </summary>
public sealed class AlertWebhookTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new();
    private readonly CountingSource _source = new("avg_rt");
    private readonly CountingTarget _target = new();
    private readonly ScalerOptions _options = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private WebApplication _app = null!;
    private Uri _alerts = null!;

    public async ValueTask InitializeAsync() => await StartAsync();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private ScalerLoop Loop => _app.Services.GetRequiredService<ScalerLoop>();

    private ScalerState State => _app.Services.GetRequiredService<ScalerState>();

    [Theory]
    [InlineData("not json at all", "not JSON")]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("""{"version":"4","status":"firing"}""", "missing 'alerts'")]
    [InlineData("""{"alerts":{"status":"firing"}}""", "'alerts' must be an array, not an object")]
    [InlineData("""{"version":4,"alerts":[]}""", "'version' must be a string, not a number")]
    [InlineData("""{"alerts":[{"labels":{"alertname":"X"}}]}""", "missing 'alerts[0].status'")]
    [InlineData("""{"alerts":[{"status":"burning","labels":{}}]}""", "'alerts[0].status' must be \"firing\" or \"resolved\"")]
    [InlineData("""{"alerts":[{"status":"firing"}]}""", "missing 'alerts[0].labels'")]
    [InlineData("""{"alerts":[{"status":"firing","labels":{"alertname":7}}]}""", "'alerts[0].labels.alertname' must be a string")]
    [InlineData("""{"alerts":[{"status":"firing","labels":[]}]}""", "'alerts[0].labels' must be an object of strings, not an array")]
    [InlineData("""{"alerts":["HighResponseTime"]}""", "'alerts[0]' must be an object, not a string")]
    public async Task A_malformed_payload_gets_400_with_the_reason_and_no_evaluation(string body, string reason)
    {
        var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal(1, Loop.Evaluations);
    }

    [Fact]
    public async Task A_valid_payload_gets_202_and_an_evaluation_runs_before_any_tick_could()
    {
        _source.Value = 0.9;

        var response = await PostAsync(Payload(("HighResponseTime", "firing")));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WaitFor(() => Loop.Evaluations == 2);
        Assert.Equal(2, _target.Replicas);
        var status = State.Snapshot();
        Assert.Equal("alert:HighResponseTime", status.LastDecisions[0].Trigger);
        Assert.Equal("tick", status.LastDecisions[1].Trigger);
        Assert.Equal(["HighResponseTime=firing"], status.LastAlert!.Alerts);

        var json = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_alerts, "status"), TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("alert:HighResponseTime", json.GetProperty("lastDecisions")[0].GetProperty("trigger").GetString());
        Assert.Equal("firing", json.GetProperty("lastAlert").GetProperty("status").GetString());
        Assert.Equal(2, json.GetProperty("currentReplicas").GetInt32());
    }

    [Fact]
    public async Task Alerts_are_counted_by_status_and_logged_one_line_per_call()
    {
        await PostAsync(Payload(("HighResponseTime", "firing"), ("RequestsRejected", "firing"), ("ReplicaDown", "resolved")));
        await WaitFor(() => Loop.Evaluations == 2);

        var metrics = await _http.GetStringAsync(new Uri(_alerts, "/metrics"), TestContext.Current.CancellationToken);
        Assert.Contains("autoscaler_alerts_received_total{status=\"firing\",service=\"webapp\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("autoscaler_alerts_received_total{status=\"resolved\",service=\"webapp\"} 1", metrics, StringComparison.Ordinal);
        var line = Assert.Single(_logs.Lines, l => l.Contains("Alert webhook", StringComparison.Ordinal));
        Assert.Contains("HighResponseTime=firing, RequestsRejected=firing, ReplicaDown=resolved", line, StringComparison.Ordinal);
        Assert.Equal("alert:HighResponseTime,ReplicaDown,RequestsRejected", State.Snapshot().LastDecisions[0].Trigger);
    }

    [Fact]
    public async Task A_burst_of_webhook_calls_coalesces_into_fewer_evaluations_that_never_overlap()
    {
        _source.Delay = TimeSpan.FromMilliseconds(200);
        var calls = 20;

        var responses = await Task.WhenAll(Enumerable.Range(0, calls).Select(i => PostAsync(Payload(($"Alert{i % 3}", "firing")))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var trigger = _app.Services.GetRequiredService<AlertTrigger>();
        await WaitFor(() => trigger.Evaluations >= 1 && _source.Running == 0);
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.InRange(trigger.Evaluations, 1, calls - 1);
        Assert.Equal(1 + trigger.Evaluations, Loop.Evaluations);
        Assert.Equal(1, _source.MaxConcurrent);
    }

    [Fact]
    public async Task With_a_bearer_token_configured_a_call_without_it_or_with_another_gets_401()
    {
        await _app.StopAsync(TestContext.Current.CancellationToken);
        await _app.DisposeAsync();
        _options.WebhookBearerToken = "s3cret";
        await StartAsync();

        var none = await PostAsync(Payload(("HighResponseTime", "firing")));
        var wrong = await PostAsync(Payload(("HighResponseTime", "firing")), "other");
        var basic = await PostAsync(Payload(("HighResponseTime", "firing")), "s3cret", scheme: "Basic");

        Assert.All([none, wrong, basic], r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Contains("autoscaler_alert_webhook_calls_total{result=\"unauthorized\"} 3", await MetricsAsync(), StringComparison.Ordinal);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal(1, Loop.Evaluations);
        Assert.DoesNotContain(_logs.Lines, l => l.Contains("s3cret", StringComparison.Ordinal));

        var right = await PostAsync(Payload(("HighResponseTime", "firing")), "s3cret");
        Assert.Equal(HttpStatusCode.Accepted, right.StatusCode);
        await WaitFor(() => Loop.Evaluations == 2);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task A_body_that_is_not_declared_json_gets_415_and_is_counted(string? contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _alerts) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Payload(("HighResponseTime", "firing")))) };
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("Content-Type: application/json", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Contains("autoscaler_alert_webhook_calls_total{result=\"unsupported_media_type\"} 1", await MetricsAsync(), StringComparison.Ordinal);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal(1, Loop.Evaluations);
    }

    [Fact]
    public async Task Json_with_a_charset_or_a_json_suffix_is_accepted()
    {
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(Payload(("A", "firing")), mediaType: "application/json; charset=utf-8")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(Payload(("A", "firing")), mediaType: "application/vnd.alertmanager+json")).StatusCode);
    }

    [Fact]
    public async Task Alert_evaluations_start_at_most_once_per_interval_and_the_calls_between_fold_into_the_next()
    {
        var trigger = _app.Services.GetRequiredService<AlertTrigger>();
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(Payload(("First", "firing")))).StatusCode);
        await WaitFor(() => trigger.Evaluations == 1);

        // Within the interval: the first call asks for the next evaluation, the others fold into it.
        foreach (var name in new[] { "B", "C", "D", "C" })
        {
            Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(Payload((name, "firing")))).StatusCode);
        }

        _clock.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(1, trigger.Evaluations);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await WaitFor(() => trigger.Evaluations == 2);
        Assert.Equal("alert:B,C,D", State.Snapshot().LastDecisions[0].Trigger);
        var metrics = await MetricsAsync();
        Assert.Contains("autoscaler_alert_webhook_calls_total{result=\"evaluation\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("autoscaler_alert_webhook_calls_total{result=\"coalesced\"} 3", metrics, StringComparison.Ordinal);
        Assert.Equal(2, _logs.Lines.Count(l => l.StartsWith("Alert webhook", StringComparison.Ordinal) && !l.Contains("folded", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task One_call_of_ten_thousand_alerts_logs_a_short_line_and_keeps_twenty_in_the_status()
    {
        var alerts = Enumerable.Range(0, 10_000).Select(i => ($"Alert{i}", "firing")).ToArray();

        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(Payload(alerts))).StatusCode);

        await WaitFor(() => Loop.Evaluations == 2);
        var line = Assert.Single(_logs.Lines, l => l.StartsWith("Alert webhook", StringComparison.Ordinal));
        Assert.InRange(line.Length, 100, 400);
        Assert.Contains("10000 alert(s)", line, StringComparison.Ordinal);
        Assert.Contains("and 9990 more", line, StringComparison.Ordinal);
        var notice = State.Snapshot().LastAlert!;
        Assert.Equal((20, 10_000), (notice.Alerts.Count, notice.Count));
        var trigger = State.Snapshot().LastDecisions[0].Trigger;
        Assert.EndsWith("(+9990 more)", trigger, StringComparison.Ordinal);
        Assert.InRange(trigger.Length, 20, 200);
        var status = await _http.GetStringAsync(new Uri(_alerts, "status"), TestContext.Current.CancellationToken);
        Assert.InRange(status.Length, 100, 20_000);
    }

    private Task<string> MetricsAsync() => _http.GetStringAsync(new Uri(_alerts, "/metrics"), TestContext.Current.CancellationToken);

    private readonly LineLogger _logs = new();

    private async Task StartAsync()
    {
        _app = ScalerHost.Build(_options, ["http://127.0.0.1:0"], _target, _ => _source, b =>
        {
            b.Services.AddSingleton<TimeProvider>(_clock);
            b.Logging.ClearProviders();
            b.Logging.AddProvider(_logs);
        });
        await _app.StartAsync(TestContext.Current.CancellationToken);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _alerts = new Uri(new Uri(address), "/api/v1/alerts");
        await WaitFor(() => Loop.Evaluations == 1);
    }

    private async Task<HttpResponseMessage> PostAsync(string body, string? token = null, string scheme = "Bearer", string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _alerts) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(scheme, token);
        }

        return await _http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static string Payload(params (string Name, string Status)[] alerts) => JsonSerializer.Serialize(new
    {
        version = "4",
        groupKey = "{}:{}",
        truncatedAlerts = 0,
        status = alerts.Any(a => a.Status == "firing") ? "firing" : "resolved",
        receiver = "autoscaler",
        groupLabels = new Dictionary<string, string>(),
        commonLabels = new Dictionary<string, string> { ["severity"] = "warning" },
        commonAnnotations = new Dictionary<string, string>(),
        externalURL = "http://127.0.0.1:9093",
        alerts = alerts.Select(a => new
        {
            status = a.Status,
            labels = new Dictionary<string, string> { ["alertname"] = a.Name, ["severity"] = "warning" },
            annotations = new Dictionary<string, string> { ["summary"] = "s" },
            startsAt = "2026-01-01T00:00:00Z",
            endsAt = "0001-01-01T00:00:00Z",
            generatorURL = "http://127.0.0.1:9090/graph",
            fingerprint = "0123456789abcdef",
        }),
    });

    private static async Task WaitFor(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, deadline.Token);
        }
    }

    private sealed class CountingSource(string name) : IMetricSource
    {
        private int _running;
        private int _maxConcurrent;

        public string Name => name;

        public double Value { get; set; } = 0.4;

        public TimeSpan Delay { get; set; }

        public int Running => Volatile.Read(ref _running);

        public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

        public async ValueTask<MetricReading> ReadAsync(CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _running);
            int seen;
            while ((seen = _maxConcurrent) < now && Interlocked.CompareExchange(ref _maxConcurrent, now, seen) != seen)
            {
            }

            try
            {
                // Real time, not the test's clock: this only widens the window in which calls could overlap.
                if (Delay > TimeSpan.Zero)
                {
                    await Task.Delay(Delay, TimeProvider.System, cancellationToken);
                }

                return MetricReading.Ok(name, Value);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }

    private sealed class CountingTarget : IScaleTarget
    {
        public int Replicas { get; private set; } = 1;

        public string Name => "memory";

        public Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken) => Task.FromResult(Replicas);

        public Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken)
        {
            Replicas = replicas;
            return Task.FromResult(new ScaleResult(true, replicas, "ok"));
        }
    }

    private sealed class LineLogger : ILoggerProvider, ILogger
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue(formatter(state, exception));

        public void Dispose()
        {
        }
    }
}
