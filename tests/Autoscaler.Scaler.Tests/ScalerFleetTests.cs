using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Policies;
using Autoscaler.Core.Scaling;
using Autoscaler.Scaler.Fleet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Scaler.Tests;

/// <summary>Several services on one scaler: each on its own loop, its own series, its own API; one that hangs delays no other.</summary>
public sealed class ScalerFleetTests : IAsyncDisposable
{
    private const string Token = "fleet-token";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly HttpClient _http = new();
    private readonly ScalerOptions _options = new() { ApiToken = Token, CheckInterval = TimeSpan.FromSeconds(1) };
    private WebApplication? _app;
    private Uri _url = null!;

    private ScalerFleet Fleet => _app!.Services.GetRequiredService<ScalerFleet>();

    [Fact]
    public async Task Each_service_is_evaluated_on_its_own_timer_and_a_hanging_query_of_one_delays_no_other()
    {
        var shop = new Service("shop", 0.9);
        var search = new Service("search", 0.1) { Hang = true };
        await StartAsync(shop, search);

        // search's first read hangs; shop goes on evaluating every second regardless.
        await WaitFor(() => Fleet.Find("shop")!.Loop.Evaluations >= 1);
        for (var second = 1; second <= 5; second++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            await WaitFor(() => Fleet.Find("shop")!.Loop.Evaluations >= second + 1);
        }

        Assert.Equal(6, Fleet.Find("shop")!.Loop.Evaluations);
        Assert.Equal(0, Fleet.Find("search")!.Loop.Evaluations);
        Assert.Equal(6, shop.Target.Replicas); // one more per evaluation up to the max, from 1
        Assert.Equal(0, search.Target.ScaleCalls);

        search.Release();
        await WaitFor(() => Fleet.Find("search")!.Loop.Evaluations >= 1);
        Assert.Equal(1, search.Target.ScaleCalls); // 0.1 is below the scale-down threshold: one fewer than 2
        Assert.Equal(1, search.Target.Replicas);
    }

    [Fact]
    public async Task The_services_list_shows_each_service_with_every_metric_and_the_single_service_endpoints_ask_for_a_name()
    {
        await StartAsync(new Service("shop", 0.9, "avg_rt", "rps"), new Service("search", 0.3));
        await WaitFor(() => Fleet.Services.All(s => s.Loop.Evaluations >= 1));

        using var list = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_url, "/api/v1/services"), Ct));
        var services = list.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!);
        Assert.Equal(["search", "shop"], services.Keys.Order());
        var shop = services["shop"];
        Assert.Equal(2, shop.GetProperty("currentReplicas").GetInt32());
        Assert.Equal(2, shop.GetProperty("desiredReplicas").GetInt32());
        Assert.Equal(["avg_rt", "rps"], shop.GetProperty("metrics").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        Assert.All(shop.GetProperty("metrics").EnumerateArray(), m => Assert.Equal(0.9, m.GetProperty("value").GetDouble()));
        Assert.True(shop.GetProperty("leader").GetBoolean());
        Assert.Equal(JsonValueKind.Null, shop.GetProperty("paused").ValueKind);
        Assert.Equal(2, services["search"].GetProperty("currentReplicas").GetInt32()); // 0.3 is inside the band: it holds

        using var status = await _http.GetAsync(new Uri(_url, "/api/v1/status"), Ct);
        Assert.Equal(HttpStatusCode.Conflict, status.StatusCode);
        Assert.Contains("/api/v1/services/NAME", await status.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        using var missing = await _http.GetAsync(new Uri(_url, "/api/v1/services/cart/decisions"), Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("no service cart; this scaler scales: search, shop", await missing.Content.ReadAsStringAsync(Ct));

        using var decisions = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_url, "/api/v1/services/shop/decisions"), Ct));
        Assert.Equal(2, decisions.RootElement[0].GetProperty("decision").GetProperty("desiredReplicas").GetInt32());
    }

    [Fact]
    public async Task The_replica_override_and_the_pause_act_on_the_named_service_only()
    {
        var shop = new Service("shop", 0.3);
        var search = new Service("search", 0.3);
        await StartAsync(shop, search);
        await WaitFor(() => Fleet.Services.All(s => s.Loop.Evaluations >= 1));

        using var set = await SendAsync(HttpMethod.Put, "/api/v1/services/search/replicas", """{"replicas": 4, "pause": true}""");
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(4, search.Target.Replicas);
        Assert.Equal(1, shop.Target.Replicas);
        Assert.NotNull(Fleet.Find("search")!.Loop.Paused);
        Assert.Null(Fleet.Find("shop")!.Loop.Paused);

        using var unauthorized = await SendAsync(HttpMethod.Put, "/api/v1/services/shop/replicas", """{"replicas": 3}""", token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal(1, shop.Target.Replicas);

        using var resume = await SendAsync(HttpMethod.Delete, "/api/v1/services/search/pause", null);
        Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        Assert.Null(Fleet.Find("search")!.Loop.Paused);
    }

    [Fact]
    public async Task Every_series_carries_its_service_and_a_removed_service_s_series_go()
    {
        await StartAsync(new Service("shop", 0.9), new Service("search", 0.3));
        await WaitFor(() => Fleet.Services.All(s => s.Loop.Evaluations >= 1));

        var metrics = await _http.GetStringAsync(new Uri(_url, "/metrics"), Ct);
        Assert.Contains("autoscaler_current_replicas{service=\"shop\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("autoscaler_desired_replicas{service=\"shop\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("autoscaler_desired_replicas{service=\"search\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("autoscaler_metric_value{metric=\"avg_rt\",service=\"search\"} 0.3", metrics, StringComparison.Ordinal);
        Assert.Contains("autoscaler_services 2", metrics, StringComparison.Ordinal);
        var unlabelled = metrics.Split('\n')
            .Where(l => l.StartsWith("autoscaler_", StringComparison.Ordinal) && !l.Contains("service=\"", StringComparison.Ordinal))
            .Select(l => l.Split('{', ' ')[0]).Distinct().Order().ToList();
        Assert.Equal(["autoscaler_alert_webhook_calls_total", "autoscaler_build_info", "autoscaler_leader", "autoscaler_services"], unlabelled);

        Assert.True(await Fleet.RemoveAsync("search", Ct));
        metrics = await _http.GetStringAsync(new Uri(_url, "/metrics"), Ct);
        Assert.Equal(
            ["autoscaler_service_reloads_total{service=\"search\",result=\"removed\"} 1"],
            metrics.Split('\n').Where(l => l.Contains("service=\"search\"", StringComparison.Ordinal)));
        Assert.Contains("autoscaler_desired_replicas{service=\"shop\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("autoscaler_services 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replacing_a_service_keeps_its_decisions_and_its_count_and_an_invalid_file_keeps_the_last_good_version()
    {
        var shop = new Service("shop", 0.9);
        await StartAsync(shop);
        await WaitFor(() => Fleet.Find("shop")!.Loop.Evaluations >= 1);
        Assert.Equal(2, shop.Target.Replicas);

        Fleet.RecordProblem("shop", "/srv/services/shop.yaml", "policy: metrics: missing");
        var described = await _http.GetFromJsonAsync<JsonElement>(new Uri(_url, "/api/v1/services/shop"), Ct);
        Assert.Equal("policy: metrics: missing", described.GetProperty("fileProblem").GetString());
        Assert.StartsWith("/srv/services/shop.yaml: policy: metrics: missing", described.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Contains("autoscaler_service_file_invalid{service=\"shop\"} 1", await _http.GetStringAsync(new Uri(_url, "/metrics"), Ct), StringComparison.Ordinal);

        // The fixed file: a new policy (now 0.5 is inside the band), the same target; the count stays at 2.
        await Fleet.ApplyAsync(shop.Setup(_options, scaleUp: 0.95) with { Source = "/srv/services/shop.yaml" }, Ct);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await WaitFor(() => Fleet.Find("shop")!.State.Snapshot().LastDecisions.Count >= 2);
        var after = Fleet.Find("shop")!.State.Snapshot();
        Assert.Equal(2, shop.Target.Replicas);
        Assert.Equal(2, after.LastDecisions[0].Decision.CurrentReplicas);
        Assert.Equal(2, after.LastDecisions[0].Decision.DesiredReplicas);
        Assert.Null(Fleet.ProblemOf("shop"));
        Assert.Contains("autoscaler_service_file_invalid{service=\"shop\"} 0", await _http.GetStringAsync(new Uri(_url, "/metrics"), Ct), StringComparison.Ordinal);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task StartAsync(params Service[] services)
    {
        _app = ScalerHost.Build(_options, ["http://127.0.0.1:0"], [.. services.Select(s => s.Setup(_options))], b =>
        {
            b.Services.AddSingleton<TimeProvider>(_clock);
            b.Logging.ClearProviders();
        });
        await _app.StartAsync(Ct);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _url = new Uri(address);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body, string? token = Token)
    {
        using var request = new HttpRequestMessage(method, new Uri(_url, path));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return await _http.SendAsync(request, Ct);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, deadline.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        _http.Dispose();
    }

    /// <summary>A service whose metrics all read <paramref name="value"/> (or hang until released) and whose target only counts.</summary>
    private sealed class Service(string name, double value, params string[] metrics)
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CountingTarget Target { get; } = new(name == "search" ? 2 : 1);

        public bool Hang { get; init; }

        public void Release() => _released.TrySetResult();

        public ServiceSetup Setup(ScalerOptions options, double scaleUp = 0.6)
        {
            string[] names = metrics.Length > 0 ? metrics : ["avg_rt"];
            var policy = new PolicySpec
            {
                MinReplicas = 1,
                MaxReplicas = 6,
                Metrics = [.. names.Select(m => new MetricSpec { Name = m, Query = m, Threshold = new ThresholdPolicyOptions { ScaleUpThreshold = scaleUp, ScaleDownThreshold = 0.2 } })],
            };
            return new ServiceSetup(name, policy, Target, read => new Source(read.Name, value, this), options, Target);
        }

        private sealed class Source(string metric, double value, Service service) : IMetricSource
        {
            public string Name => metric;

            public async ValueTask<MetricReading> ReadAsync(CancellationToken cancellationToken)
            {
                if (service.Hang)
                {
                    await service._released.Task.WaitAsync(cancellationToken);
                }

                return MetricReading.Ok(metric, value);
            }
        }
    }

    private sealed class CountingTarget(int replicas) : IScaleTarget
    {
        private int _replicas = replicas;
        private int _calls;

        public int Replicas => Volatile.Read(ref _replicas);

        public int ScaleCalls => Volatile.Read(ref _calls);

        public string Name => "counting";

        public Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken) => Task.FromResult(Replicas);

        public Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            Volatile.Write(ref _replicas, replicas);
            return Task.FromResult(new ScaleResult(true, replicas, "ok"));
        }
    }
}
