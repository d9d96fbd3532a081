using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Scaling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Scaler.Tests;

/// <summary>
/// <c>GET</c>/<c>PUT /api/v1/replicas</c> through the real host on a free port. The clock is fake and never advanced, so
/// only the evaluation at start runs; every later change of the count came through the API.
/// </summary>
public sealed partial class ReplicaEndpointTests : IAsyncDisposable
{
    private const string Token = "s3cret";
    private readonly FakeTimeProvider _clock = new();
    private readonly MemoryTarget _replicas = new();
    private readonly ScalerOptions _options = new() { ApiToken = Token, MinReplicas = 1, MaxReplicas = 5 };
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly FakeLogger _log = new();
    private readonly Steady _metric = new();
    private WebApplication? _app;
    private Uri _url = null!;

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_put_with_the_token_moves_the_count_and_answers_the_new_and_previous_count()
    {
        await StartAsync();

        var response = await PutAsync("""{"replicas": 3}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(3, json.GetProperty("replicas").GetInt32());
        Assert.Equal(1, json.GetProperty("previous").GetInt32());
        Assert.True(json.GetProperty("changed").GetBoolean());
        Assert.Equal(3, _replicas.Replicas);
        Assert.Equal(3, App.Services.GetRequiredService<ScalerState>().Snapshot().CurrentReplicas);
        Assert.Contains(_log.Collector.GetSnapshot(), r => r.Message == "Replica count set through the API: 1 -> 3");

        var again = JsonDocument.Parse(await (await PutAsync("""{"replicas": 3}""")).Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.False(again.GetProperty("changed").GetBoolean());
        var read = JsonDocument.Parse(await (await SendAsync(HttpMethod.Get, null, Token)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(3, read.GetProperty("replicas").GetInt32());
        Assert.Equal(5, read.GetProperty("maxReplicas").GetInt32());
        Assert.Equal(0, _replicas.ScaledByLoop);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("other", "Bearer")]
    [InlineData(Token, "Basic")]
    public async Task Without_the_right_bearer_token_both_verbs_get_401_and_nothing_moves(string? token, string? scheme)
    {
        await StartAsync();

        var put = await PutAsync("""{"replicas": 3}""", token, scheme ?? "Bearer");
        var get = await SendAsync(HttpMethod.Get, null, token, scheme ?? "Bearer");

        Assert.Equal(HttpStatusCode.Unauthorized, put.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);
        Assert.Equal("Bearer", put.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(1, _replicas.Replicas);
        Assert.DoesNotContain(_log.Collector.GetSnapshot(), r => r.Message.Contains(Token, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("three", "the body is not JSON")]
    [InlineData("", "the body is not JSON")]
    [InlineData("[3]", "the body must be a JSON object, not an array")]
    [InlineData("{}", "missing 'replicas'")]
    [InlineData("""{"replicas": "3"}""", "'replicas' must be a whole number, not a string")]
    [InlineData("""{"replicas": 2.5}""", "'replicas' must be a whole number, not 2.5")]
    [InlineData("""{"replicas": null}""", "'replicas' must be a whole number, not null")]
    [InlineData("""{"replicas": 3, "force": true}""", "unknown field \"force\" (accepted: replicas, pause)")]
    [InlineData("""{"replicas": 6}""", "replicas = 6 is outside the scaler's limits 1..5 (min and max replicas)")]
    [InlineData("""{"replicas": 0}""", "replicas = 0 is outside the scaler's limits 1..5 (min and max replicas)")]
    [InlineData("""{"replicas": -1}""", "replicas = -1 is outside the scaler's limits 1..5")]
    [InlineData("""{"replicas": 99999999999}""", "'replicas' must be a whole number, not 99999999999")]
    public async Task A_malformed_body_or_a_count_out_of_range_gets_400_with_the_reason_and_nothing_moves(string body, string reason)
    {
        await StartAsync();

        var response = await PutAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(1, _replicas.Replicas);
        Assert.Equal(0, _replicas.ScaleCalls);
    }

    [Fact]
    public async Task A_chunked_body_past_the_limit_gets_413_and_nothing_moves()
    {
        await StartAsync();
        // A valid request padded past 64 KiB and sent without Content-Length: only counting the bytes that arrive can refuse it.
        var body = Encoding.UTF8.GetBytes("{\"replicas\": 3" + new string(' ', 64 * 1024) + "}");
        using var request = new HttpRequestMessage(HttpMethod.Put, _url) { Content = new UnknownLengthContent(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("the body is larger than 65536 bytes; send {\"replicas\": N}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, _replicas.Replicas);
        Assert.Equal(0, _replicas.ScaleCalls);
    }

    [Fact]
    public async Task Without_a_configured_token_the_api_is_off()
    {
        _options.ApiToken = null;
        await StartAsync();

        var response = await PutAsync("""{"replicas": 3}""", token: null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("start the scaler with --api-token TOKEN", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(1, _replicas.Replicas);
    }

    [Fact]
    public async Task A_scaler_without_a_replica_set_of_its_own_answers_409()
    {
        await StartAsync(withReplicaSet: false);

        var response = await PutAsync("""{"replicas": 3}""");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(1, _replicas.Replicas);
    }

    [Fact]
    public async Task A_replica_set_that_cannot_reach_the_count_gives_500_with_its_message()
    {
        _replicas.Fail = "no free port in 8001-8002";
        await StartAsync();

        var response = await PutAsync("""{"replicas": 4}""");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("the replica set did not reach 4: no free port in 8001-8002", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private WebApplication App => _app!;

    private async Task StartAsync(bool withReplicaSet = true, MemoryTarget? loopTarget = null, Autoscaler.Core.PolicyFiles.PolicySpec? policy = null)
    {
        // The loop's own target is another object: what the API sets must be the replica set, not the loop's target.
        loopTarget ??= new MemoryTarget();
        _app = ScalerHost.Build(_options, ["http://127.0.0.1:0"], withReplicaSet ? _replicas.ForLoop() : loopTarget, _ => _metric, b =>
        {
            b.Services.AddSingleton<TimeProvider>(_clock);
            b.Logging.ClearProviders();
            b.Logging.AddProvider(new FakeLoggerProvider(_log.Collector));
        }, policy, replicaSet: withReplicaSet ? _replicas : null);
        await App.StartAsync(TestContext.Current.CancellationToken);
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _url = new Uri(new Uri(address), "/api/v1/replicas");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (App.Services.GetRequiredService<ScalerLoop>().Evaluations == 0)
        {
            await Task.Delay(5, deadline.Token);
        }
    }

    private Task<HttpResponseMessage> PutAsync(string body, string? token = Token, string scheme = "Bearer") => SendAsync(HttpMethod.Put, body, token, scheme);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string? body, string? token, string scheme = "Bearer", string? path = null)
    {
        using var request = new HttpRequestMessage(method, path is null ? _url : new Uri(_url, path));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(scheme, token);
        }

        return await _http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>A body whose length HttpClient cannot know up front, so it goes chunked, without Content-Length.</summary>
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            foreach (var chunk in bytes.Chunk(8 * 1024))
            {
                await stream.WriteAsync(chunk);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>A metric that keeps the threshold policy where it is (between 0.2 and 0.6) until told otherwise.</summary>
    private sealed class Steady : IMetricSource
    {
        public double Value { get; set; } = 0.4;

        public string Name => "avg_rt";

        public ValueTask<MetricReading> ReadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(MetricReading.Ok("avg_rt", Value));
    }

    private sealed class MemoryTarget : IScaleTarget
    {
        public int Replicas { get; private set; } = 1;

        public int ScaleCalls { get; private set; }

        public int ScaledByLoop { get; private set; }

        public string? Fail { get; set; }

        public string Name => "memory";

        public Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken) => Task.FromResult(Replicas);

        public Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken)
        {
            ScaleCalls++;
            if (Fail is not null)
            {
                return Task.FromResult(new ScaleResult(false, Replicas, Fail));
            }

            Replicas = replicas;
            return Task.FromResult(new ScaleResult(true, replicas, $"{replicas} replicas"));
        }

        /// <summary>The same replicas seen by the loop, counting what the loop asks for separately.</summary>
        public IScaleTarget ForLoop() => new LoopView(this);

        private sealed class LoopView(MemoryTarget inner) : IScaleTarget
        {
            public string Name => "memory";

            public Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken) => inner.GetCurrentReplicasAsync(cancellationToken);

            public Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken)
            {
                inner.ScaledByLoop++;
                return inner.ScaleAsync(replicas, cancellationToken);
            }
        }
    }
}
