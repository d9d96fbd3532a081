using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Policies;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Scaling;
using Autoscaler.Scaler.Console;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Scaler.Tests.Console;

/// <summary>
/// The web console through the real host on a free port: its files from the assembly, the shell at /, --no-console, the
/// access gate, the response cache and the dry-run toggle. The clock is fake: only the evaluation at start runs by itself.
/// </summary>
public sealed class ConsoleHostTests : IAsyncDisposable
{
    private const string Token = "s3cret";
    private static readonly string S = "/api/v1/services/" + ScalerTelemetry.DefaultService;
    private readonly FakeTimeProvider _clock = new();
    private readonly MemoryTarget _target = new();
    private readonly Metric _metric = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private WebApplication? _app;
    private Uri _base = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("/console/app.js", "text/javascript", "export async function api")]
    [InlineData("/console/pages/overview.js", "text/javascript", "replicas-current")]
    [InlineData("/console/style.css", "text/css", "font-family")]
    [InlineData("/console/vendor/uPlot.iife.min.js", "text/javascript", "uPlot")]
    [InlineData("/console/vendor/uPlot.min.css", "text/css", ".uplot")]
    public async Task Each_file_is_served_from_the_assembly_with_its_content_type_and_revalidates_to_304(string path, string type, string content)
    {
        await StartAsync();

        var response = await _http.GetAsync(new Uri(_base, path), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(content, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using var again = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, path));
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await _http.SendAsync(again, Ct)).StatusCode);
    }

    [Fact]
    public async Task The_root_serves_the_shell_and_an_unknown_file_is_a_404()
    {
        await StartAsync();

        var shell = await _http.GetAsync(_base, Ct);
        var missing = await _http.GetAsync(new Uri(_base, "/console/pages/nothing.js"), Ct);

        Assert.Equal("text/html", shell.Content.Headers.ContentType!.MediaType);
        var html = await shell.Content.ReadAsStringAsync(Ct);
        Assert.Contains("data-testid=\"nav\"", html, StringComparison.Ordinal);
        Assert.Contains("/console/app.js", html, StringComparison.Ordinal);
        Assert.Contains("/console/vendor/uPlot.iife.min.js", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task With_no_console_the_pages_are_404_and_the_api_still_answers()
    {
        await StartAsync(o => o.Console = false);

        var shell = await _http.GetAsync(_base, Ct);
        var script = await _http.GetAsync(new Uri(_base, "/console/app.js"), Ct);
        var status = await _http.GetAsync(new Uri(_base, "/api/v1/status"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, shell.StatusCode);
        Assert.Contains("--no-console", await shell.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, script.StatusCode);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
    }

    [Fact]
    public async Task On_loopback_reading_is_open_without_the_token()
    {
        await StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(_base, S + "/history"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(_base, "/api/v1/status"), Ct)).StatusCode);
    }

    [Fact]
    public async Task Beyond_loopback_every_get_of_data_needs_the_token_but_the_shell_probes_and_metrics_do_not()
    {
        await StartAsync(listen: "http://0.0.0.0:0");

        foreach (var path in new[] { "/api/v1/status", "/api/v1/services", S + "/history", S + "/policy" })
        {
            var without = await _http.GetAsync(new Uri(_base, path), Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(path, Token)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(path, "wrong")).StatusCode);
        }

        foreach (var path in new[] { "/", "/console/app.js", "/healthz", "/metrics" })
        {
            Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(_base, path), Ct)).StatusCode);
        }
    }

    [Fact]
    public async Task Beyond_loopback_without_an_api_token_reading_is_refused_with_what_to_do()
    {
        await StartAsync(o => o.ApiToken = null, listen: "http://0.0.0.0:0");

        var response = await _http.GetAsync(new Uri(_base, "/api/v1/status"), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("--console-public", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_public_leaves_reading_open_beyond_loopback_but_not_the_actions()
    {
        await StartAsync(o => o.ConsolePublic = true, listen: "http://0.0.0.0:0");

        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(_base, S + "/policy"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PutDryRunAsync("""{"dryRun": true}""", token: null)).StatusCode);
    }

    [Fact]
    public async Task Two_series_requests_within_the_window_cost_one_round_of_queries_and_a_later_one_asks_again()
    {
        var prometheus = new CountingPrometheus();
        await StartAsync(configure: b => b.Services.AddSingleton<IPrometheusView>(prometheus));

        var first = await Json(S + "/series?range=3600");
        var parallel = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Json(S + "/series?range=3600")));
        var perRound = ConsoleApi.SeriesQueries.Count;
        var withinWindow = prometheus.RangeQueries;
        _clock.Advance(ResponseCache.DefaultWindow + TimeSpan.FromMilliseconds(1));
        await Json(S + "/series?range=3600");

        Assert.True(first.GetProperty("available").GetBoolean());
        Assert.Equal([[1000.0, 4.0]], first.GetProperty("series").GetProperty("requests").Deserialize<double[][]>());
        Assert.All(parallel, p => Assert.True(p.GetProperty("available").GetBoolean()));
        Assert.Equal(perRound, withinWindow);
        Assert.Equal(2 * perRound, prometheus.RangeQueries);
    }

    [Fact]
    public async Task Without_prometheus_the_series_say_so_and_the_history_has_the_evaluation()
    {
        await StartAsync();

        var series = await Json(S + "/series");
        var history = await Json(S + "/history");

        Assert.False(series.GetProperty("available").GetBoolean());
        Assert.Contains("no Prometheus", series.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var point = Assert.Single(history.GetProperty("points").EnumerateArray());
        Assert.Equal(1, point.GetProperty("current").GetInt32());
        Assert.Equal(0.4, point.GetProperty("metrics").GetProperty("avg_rt").GetDouble());
        Assert.Equal(1, history.GetProperty("status").GetProperty("currentReplicas").GetInt32());
    }

    [Fact]
    public async Task Targets_join_the_listed_replicas_with_the_requests_they_served_and_the_gateway_rotation()
    {
        var prometheus = new CountingPrometheus
        {
            Samples =
            {
                [ConsoleApi.RequestsByInstance] = [new(new Dictionary<string, string> { ["instance"] = "127.0.0.1:8001" }, 120)],
                [ConsoleApi.GatewayInflight] = [new(new Dictionary<string, string> { ["destination"] = "http://127.0.0.1:8001/" }, 3)],
            },
        };
        var lister = new Lister([new ReplicaView("webapp-8001", "http://127.0.0.1:8001/", true, "ready"), new ReplicaView("webapp-8002", "http://127.0.0.1:8002/", false, "starting")]);
        await StartAsync(configure: b => b.Services.AddSingleton<IPrometheusView>(prometheus).AddSingleton<IReplicaLister>(lister));

        var targets = await Json(S + "/targets");

        var rows = targets.GetProperty("replicas").EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal((120.0, 3.0), (rows[0].GetProperty("requests").GetDouble(), rows[0].GetProperty("gatewayInflight").GetDouble()));
        Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("gatewayInflight").ValueKind);
        Assert.False(rows[1].GetProperty("ready").GetBoolean());
        Assert.Equal("up", targets.GetProperty("prometheus").GetProperty("targets")[0].GetProperty("health").GetString());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("10")]
    [InlineData("999999")]
    public async Task A_range_that_is_not_seconds_within_limits_is_a_400(string range)
    {
        await StartAsync();

        var response = await _http.GetAsync(new Uri(_base, $"{S}/series?range={range}"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("whole number from 60 to 86400", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dry_run_needs_the_token_and_once_on_the_next_decision_is_not_applied()
    {
        await StartAsync();

        var refused = await PutDryRunAsync("""{"dryRun": true}""", token: null);
        var bad = await PutDryRunAsync("""{"dryRun": "yes"}""");
        var ok = await PutDryRunAsync("""{"dryRun": true}""");
        _metric.Value = 0.9; // above the default 0.6: one more replica
        var entry = await _app!.Services.GetRequiredService<ScalerLoop>().EvaluateAsync(Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("\"dryRun\" is a string", await bad.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(2, entry!.Decision.DesiredReplicas);
        Assert.Null(entry.Action);
        Assert.Equal(1, _target.Replicas);
        Assert.Equal(0, _target.ScaleCalls);
        Assert.True((await Json(S)).GetProperty("dryRun").GetBoolean());
        Assert.True((await Json(S + "/policy")).GetProperty("dryRun").GetBoolean());

        await PutDryRunAsync("""{"dryRun": false}""");
        await _app.Services.GetRequiredService<ScalerLoop>().EvaluateAsync(Ct);
        Assert.Equal(2, _target.Replicas);
    }

    [Fact]
    public async Task The_export_of_a_threshold_policy_says_why_not_and_a_target_policy_exports()
    {
        await StartAsync();
        var refused = await _http.GetAsync(new Uri(_base, S + "/export/hpa"), Ct);
        var policy = await Json(S + "/policy");
        await _app!.StopAsync(Ct);
        await _app.DisposeAsync();

        await StartAsync(policy: new PolicySpec
        {
            MinReplicas = 1,
            MaxReplicas = 5,
            Metrics = [new MetricSpec { Name = "rps", Query = "sum(rate(x[1m]))", Target = new TargetPolicyOptions { Target = 30, Type = TargetType.AverageValue } }],
        });
        var hpa = await _http.GetAsync(new Uri(_base, S + "/export/hpa"), Ct);
        var keda = await _http.GetAsync(new Uri(_base, S + "/export/keda"), Ct);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("threshold rule", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, policy.GetProperty("hpa").GetProperty("url").ValueKind);
        Assert.Contains("kind: HorizontalPodAutoscaler", await hpa.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Contains("kind: ScaledObject", await keda.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private async Task StartAsync(Action<ScalerOptions>? options = null, string listen = "http://127.0.0.1:0", Action<WebApplicationBuilder>? configure = null, PolicySpec? policy = null)
    {
        var scaler = new ScalerOptions { ApiToken = Token, MinReplicas = 1, MaxReplicas = 5 };
        options?.Invoke(scaler);
        _app = ScalerHost.Build(scaler, [listen], _target, [_metric], b =>
        {
            b.Services.AddSingleton<TimeProvider>(_clock);
            b.Logging.ClearProviders();
            configure?.Invoke(b);
        }, policy);
        await _app.StartAsync(Ct);
        var port = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)).Port;
        _base = new Uri($"http://127.0.0.1:{port}/");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (_app.Services.GetRequiredService<ScalerLoop>().Evaluations == 0)
        {
            await Task.Delay(5, deadline.Token);
        }
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _http.SendAsync(request, Ct);
    }

    private async Task<JsonElement> Json(string path)
    {
        var response = await _http.GetAsync(new Uri(_base, path), Ct);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
    }

    private async Task<HttpResponseMessage> PutDryRunAsync(string body, string? token = Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(_base, S + "/dry-run"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _http.SendAsync(request, Ct);
    }

    private sealed class Metric : IMetricSource
    {
        public double Value { get; set; } = 0.4;

        public string Name => "avg_rt";

        public ValueTask<MetricReading> ReadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(MetricReading.Ok("avg_rt", Value));
    }

    private sealed class MemoryTarget : IScaleTarget
    {
        public int Replicas { get; private set; } = 1;

        public int ScaleCalls { get; private set; }

        public string Name => "memory";

        public Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken) => Task.FromResult(Replicas);

        public Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken)
        {
            ScaleCalls++;
            Replicas = replicas;
            return Task.FromResult(new ScaleResult(true, replicas, $"{replicas} replicas"));
        }
    }

    /// <summary>Stands in for the scaler's Prometheus client and counts what the console asks of it.</summary>
    private sealed class CountingPrometheus : IPrometheusView
    {
        private int _range;

        public int RangeQueries => Volatile.Read(ref _range);

        public async Task<ViewAnswer<IReadOnlyList<ViewSeries>>> QueryRangeAsync(string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _range);
            await Task.Yield();
            return new([new ViewSeries(new Dictionary<string, string>(), [[1000, 4]])], null);
        }

        public Dictionary<string, IReadOnlyList<ViewSample>> Samples { get; } = [];

        public Task<ViewAnswer<IReadOnlyList<ViewSample>>> QueryAsync(string query, CancellationToken cancellationToken) =>
            Task.FromResult(new ViewAnswer<IReadOnlyList<ViewSample>>(Samples.GetValueOrDefault(query, []), null));

        public Task<ViewAnswer<IReadOnlyList<ScrapeTarget>>> TargetsAsync(CancellationToken cancellationToken) =>
            Task.FromResult(new ViewAnswer<IReadOnlyList<ScrapeTarget>>([new ScrapeTarget("webapp", "127.0.0.1:8001", "http://127.0.0.1:8001/metrics", "up", null, "")], null));
    }

    private sealed class Lister(IReadOnlyList<ReplicaView> replicas) : IReplicaLister
    {
        public IReadOnlyList<ReplicaView>? List(IScaleTarget target) => replicas;
    }
}
