using System.Net;
using System.Text.Json;
using Autoscaler.Core.PolicyFiles;
using Microsoft.Extensions.DependencyInjection;

namespace Autoscaler.Scaler.Tests;

/// <summary>
/// <c>PUT /api/v1/replicas</c> with <c>"pause": true</c> and <c>DELETE /api/v1/pause</c>, through the real host; the
/// fake clock is advanced by whole check intervals so the loop's own ticks run.
/// </summary>
public sealed partial class ReplicaEndpointTests
{
    private ScalerLoop Loop => App.Services.GetRequiredService<ScalerLoop>();

    [Fact]
    public async Task A_pause_holds_its_count_while_the_loop_goes_on_deciding_until_delete_resumes_it()
    {
        await StartAsync();

        var paused = await PutAsync("""{"replicas": 2, "pause": true}""");

        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        var body = await JsonAsync(paused);
        Assert.Equal((2, 1, true), (body.GetProperty("replicas").GetInt32(), body.GetProperty("previous").GetInt32(), body.GetProperty("changed").GetBoolean()));
        Assert.Equal((2, "api"), (body.GetProperty("pause").GetProperty("replicas").GetInt32(), body.GetProperty("pause").GetProperty("source").GetString()));
        Assert.Equal(2, _replicas.Replicas);

        // High latency: the policy wants one more replica every evaluation, but the pause holds 2.
        _metric.Value = 0.9;
        await TickAsync();
        await TickAsync();

        Assert.Equal(2, _replicas.Replicas);
        var status = await JsonAsync(await SendAsync(HttpMethod.Get, null, null, path: "/api/v1/status"));
        Assert.Equal(2, status.GetProperty("pause").GetProperty("replicas").GetInt32());
        var last = status.GetProperty("lastDecisions")[0];
        Assert.Equal(("paused", "tick"), (last.GetProperty("decision").GetProperty("cause").GetString(), last.GetProperty("trigger").GetString()));
        Assert.StartsWith("paused at 2 (api, since ", last.GetProperty("decision").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("the policy would choose 3: ", last.GetProperty("decision").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, last.GetProperty("decision").GetProperty("policyReplicas").GetInt32());
        Assert.Contains("autoscaler_paused{service=\"webapp\"} 1", await MetricsAsync(), StringComparison.Ordinal);
        Assert.Contains(_log.Collector.GetSnapshot(), r => r.Message.StartsWith("Autoscaling paused at 2 (api, since", StringComparison.Ordinal));

        var resumed = await SendAsync(HttpMethod.Delete, null, Token, path: "/api/v1/pause");

        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        var resume = await JsonAsync(resumed);
        Assert.Equal((2, 3), (resume.GetProperty("resumed").GetProperty("replicas").GetInt32(), resume.GetProperty("replicas").GetInt32()));
        Assert.Equal(3, _replicas.Replicas);
        Assert.Equal(JsonValueKind.Null, (await JsonAsync(await SendAsync(HttpMethod.Get, null, null, path: "/api/v1/status"))).GetProperty("pause").ValueKind);
        Assert.Contains("autoscaler_paused{service=\"webapp\"} 0", await MetricsAsync(), StringComparison.Ordinal);
        await TickAsync();
        Assert.Equal(4, _replicas.Replicas);

        var again = await SendAsync(HttpMethod.Delete, null, Token, path: "/api/v1/pause");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.StartsWith("the scaler is not paused: nothing to resume", await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plain_put_while_paused_is_undone_at_the_next_evaluation()
    {
        await StartAsync();
        await PutAsync("""{"replicas": 2, "pause": true}""");

        var set = await PutAsync("""{"replicas": 4}""");

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(2, (await JsonAsync(set)).GetProperty("pause").GetProperty("replicas").GetInt32());
        Assert.Equal(4, _replicas.Replicas);
        Assert.Contains(_log.Collector.GetSnapshot(), r => r.Message.Contains("the next evaluation returns to the paused count", StringComparison.Ordinal));
        await TickAsync();
        Assert.Equal(2, _replicas.Replicas);
    }

    [Fact]
    public async Task A_pause_without_a_count_holds_whatever_count_the_replicas_have_and_manual_puts_stick()
    {
        await StartAsync();
        _metric.Value = 0.9;

        var paused = await PutAsync("""{"pause": true}""");
        await PutAsync("""{"replicas": 4}""");
        await TickAsync();

        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await JsonAsync(paused)).GetProperty("pause").GetProperty("replicas").ValueKind);
        Assert.Equal(4, _replicas.Replicas);
    }

    [Theory]
    [InlineData("""{"replicas": 3, "pause": "yes"}""", "'pause' must be true or false, not a string")]
    [InlineData("""{"replicas": 3, "pause": 1}""", "'pause' must be true or false, not 1")]
    [InlineData("""{"replicas": 6, "pause": true}""", "replicas = 6 is outside 0..5: a pause may hold any count from 0 up to the scaler's max replicas")]
    [InlineData("""{"replicas": -1, "pause": true}""", "replicas = -1 is outside 0..5")]
    [InlineData("""{"replicas": 2.5, "pause": true}""", "'replicas' must be a whole number, not 2.5")]
    [InlineData("""{"pause": false}""", "missing 'replicas'")]
    public async Task A_bad_pause_gets_400_naming_the_field_and_nothing_is_paused_or_moved(string body, string reason)
    {
        await StartAsync();

        var response = await PutAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Null(Loop.Paused);
        Assert.Equal((1, 0), (_replicas.Replicas, _replicas.ScaleCalls));
    }

    [Fact]
    public async Task Resuming_needs_the_token_as_a_put_does()
    {
        await StartAsync();
        await PutAsync("""{"replicas": 2, "pause": true}""");

        var anonymous = await SendAsync(HttpMethod.Delete, null, null, path: "/api/v1/pause");
        var wrong = await SendAsync(HttpMethod.Delete, null, "other", path: "/api/v1/pause");

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (anonymous.StatusCode, wrong.StatusCode));
        Assert.NotNull(Loop.Paused);
    }

    [Fact]
    public async Task Pause_false_does_not_resume_and_says_what_does()
    {
        await StartAsync();
        await PutAsync("""{"replicas": 2, "pause": true}""");

        var response = await PutAsync("""{"replicas": 3, "pause": false}""");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("\"pause\": false does not resume it: DELETE /api/v1/pause does", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(2, _replicas.Replicas);
    }

    [Fact]
    public async Task A_scaler_whose_target_runs_elsewhere_pauses_through_its_loop()
    {
        var remote = new MemoryTarget();
        await StartAsync(withReplicaSet: false, loopTarget: remote);

        var response = await PutAsync("""{"replicas": 3, "pause": true}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, remote.Replicas);
        Assert.Equal(1, _replicas.Replicas);
    }

    [Fact]
    public async Task When_the_target_cannot_reach_the_paused_count_nothing_is_paused()
    {
        await StartAsync();
        _replicas.Fail = "no free port in 8001-8002";

        var response = await PutAsync("""{"replicas": 4, "pause": true}""");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("not paused: no free port in 8001-8002", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Null(Loop.Paused);
        Assert.Equal(JsonValueKind.Null, (await JsonAsync(await SendAsync(HttpMethod.Get, null, null, path: "/api/v1/status"))).GetProperty("pause").ValueKind);
    }

    [Fact]
    public async Task A_policy_that_starts_paused_shows_it_and_delete_resumes_it()
    {
        var policy = _options.ToPolicy();
        policy.PausedReplicas = 3;
        await StartAsync(policy: policy);

        Assert.Equal(3, _replicas.Replicas);
        var status = await JsonAsync(await SendAsync(HttpMethod.Get, null, null, path: "/api/v1/status"));
        Assert.Equal((3, "policy"), (status.GetProperty("pause").GetProperty("replicas").GetInt32(), status.GetProperty("pause").GetProperty("source").GetString()));

        var resumed = await SendAsync(HttpMethod.Delete, null, Token, path: "/api/v1/pause");

        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Null(Loop.Paused);
    }

    private async Task TickAsync()
    {
        var before = Loop.Evaluations;
        _clock.Advance(_options.CheckInterval);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (Loop.Evaluations == before)
        {
            await Task.Delay(5, deadline.Token);
        }
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

    private async Task<string> MetricsAsync() =>
        await (await SendAsync(HttpMethod.Get, null, null, path: "/metrics")).Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
}
