using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Scaling;
using Autoscaler.Scaler.Leadership;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Scaler.Tests.Leadership;

/// <summary>A scaler host on a lock file held by someone else: read-only status as a standby, then it takes over.</summary>
public sealed class StandbyHostTests : IAsyncDisposable
{
    private const string Token = "s3cret";
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(500);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("standby-");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Target _target = new();
    private WebApplication? _app;

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task A_standby_serves_read_only_status_refuses_changes_naming_the_leader_and_acts_at_once_when_it_takes_over()
    {
        var lockFile = Path.Combine(_directory.FullName, "scaler.lock");
        using var other = new FileLockLeadership(lockFile, "scaler-a", Retry, _clock, NullLogger<FileLockLeadership>.Instance);
        Assert.True(other.TryAcquire());
        var mine = new FileLockLeadership(lockFile, "scaler-b", Retry, _clock, NullLogger<FileLockLeadership>.Instance);
        _app = ScalerHost.Build(new ScalerOptions { ApiToken = Token }, ["http://127.0.0.1:0"], _target, _ => new High(), b =>
        {
            b.Services.AddSingleton<TimeProvider>(_clock);
            b.Logging.ClearProviders();
        }, leadership: mine);
        await _app.StartAsync(TestContext.Current.CancellationToken);
        var url = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var loop = _app.Services.GetRequiredService<ScalerLoop>();
        await WaitFor(() => loop.Evaluations >= 1);

        var status = await GetJsonAsync(new Uri(url, "/api/v1/status"));
        Assert.False(status.GetProperty("leader").GetBoolean());
        Assert.Equal("scaler-a", status.GetProperty("holder").GetString());
        Assert.Equal("standby: scaler-a leads", status.GetProperty("lastDecisions")[0].GetProperty("standby").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(url, "/readyz"), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Contains("autoscaler_leader 0", await _http.GetStringAsync(new Uri(url, "/metrics"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        foreach (var (method, path, body) in new[] { (HttpMethod.Put, "/api/v1/replicas", """{"replicas": 3, "pause": true}"""), (HttpMethod.Delete, "/api/v1/pause", null) })
        {
            using var request = new HttpRequestMessage(method, new Uri(url, path)) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal(
                "this scaler (scaler-b) is a standby and serves read-only status: scaler-a leads; send the request to the leader",
                await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        Assert.Equal(0, _target.ScaleCalls);
        Assert.Null(loop.Paused);

        // The leader lets go; at the next retry this scaler leads and evaluates at once, without waiting for its check.
        other.Release();
        _clock.Advance(Retry);
        await WaitFor(() => _target.ScaleCalls == 1);

        status = await GetJsonAsync(new Uri(url, "/api/v1/status"));
        Assert.True(status.GetProperty("leader").GetBoolean());
        Assert.Equal("scaler-b", status.GetProperty("holder").GetString());
        var decision = status.GetProperty("lastDecisions")[0];
        Assert.Equal(EvaluationTriggers.Leader, decision.GetProperty("trigger").GetString());
        Assert.Equal(JsonValueKind.Null, decision.GetProperty("standby").ValueKind);
        Assert.Equal(2, _target.Replicas);
        Assert.Contains("autoscaler_leader 1", await _http.GetStringAsync(new Uri(url, "/metrics"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    private async Task<JsonElement> GetJsonAsync(Uri url) =>
        JsonDocument.Parse(await _http.GetStringAsync(url, TestContext.Current.CancellationToken)).RootElement;

    private static async Task WaitFor(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, deadline.Token);
        }
    }

    private sealed class High : IMetricSource
    {
        public string Name => "avg_rt";

        public ValueTask<MetricReading> ReadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(MetricReading.Ok("avg_rt", 0.9));
    }

    private sealed class Target : IScaleTarget
    {
        private int _scaleCalls;

        public int Replicas { get; private set; } = 1;

        public int ScaleCalls => Volatile.Read(ref _scaleCalls);

        public string Name => "memory";

        public Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken) => Task.FromResult(Replicas);

        public Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken)
        {
            Replicas = replicas;
            Interlocked.Increment(ref _scaleCalls);
            return Task.FromResult(new ScaleResult(true, replicas, "ok"));
        }
    }
}
