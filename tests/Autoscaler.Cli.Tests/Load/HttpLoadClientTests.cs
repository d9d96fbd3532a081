using System.Net;
using System.Net.Sockets;
using Autoscaler.Cli.Load;
using Autoscaler.Simulation.Workloads;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Cli.Tests.Load;

public sealed class HttpLoadClientTests
{
    private static LoadSettings Settings(int maxInflight = 100) => new(
        new Uri("http://127.0.0.1:1/"), new ConstantRate(1), "constant", TimeSpan.FromSeconds(5), null, TimeSpan.FromSeconds(10), maxInflight);

    [Fact]
    public async Task Latency_is_measured_from_the_intended_send_time()
    {
        var time = new FakeTimeProvider();
        var stats = new LoadStats(TimeSpan.FromSeconds(5));
        using var handler = StubHandler.Returning(() =>
        {
            time.Advance(TimeSpan.FromMilliseconds(20)); // the server takes 20 ms
            return Ok("r1");
        });
        using var client = new HttpLoadClient(Settings(), stats, time, handler);
        client.BeginRun(time.GetTimestamp());

        // Due at 100 ms but sent at 130 ms: its latency includes the 30 ms it waited to go out.
        time.Advance(TimeSpan.FromMilliseconds(130));
        client.Dispatch(new DueRequest(1, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(130)));
        await WaitIdleAsync(client);

        var summary = stats.Summarize(new LoadRunInfo("u", "p", TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(5), false);
        Assert.Equal(50, summary.LatencyMs.P50, 0.1);
        Assert.Equal(1, summary.LateSends);
        Assert.Equal(new Dictionary<string, long> { ["r1"] = 1 }, summary.Replicas);
    }

    [Fact]
    public async Task Failures_are_sorted_by_kind()
    {
        var time = new FakeTimeProvider();
        var stats = new LoadStats(TimeSpan.FromSeconds(5));
        var responses = new Queue<Func<HttpResponseMessage>>(
        [
            () => Ok("r1"),
            () => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Headers = { { "X-Instance-Id", "r2" } } },
            () => throw new HttpRequestException(HttpRequestError.ConnectionError, "refused", new SocketException((int)SocketError.ConnectionRefused)),
            () => throw new TaskCanceledException("timed out", new TimeoutException()),
            () => throw new HttpRequestException(HttpRequestError.InvalidResponse, "garbage"),
        ]);
        using var handler = StubHandler.Returning(() => responses.Dequeue()());
        using var client = new HttpLoadClient(Settings(), stats, time, handler);

        for (var i = 0; i < 5; i++)
        {
            client.Dispatch(new DueRequest(i + 1, TimeSpan.Zero, TimeSpan.Zero));
        }

        await WaitIdleAsync(client);
        var summary = stats.Summarize(new LoadRunInfo("u", "p", TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(5), false);

        Assert.Equal(5, summary.Sent);
        Assert.Equal(1, summary.Succeeded);
        Assert.Equal(
            new Dictionary<string, long> { ["connection"] = 1, ["http_503"] = 1, ["other"] = 1, ["timeout"] = 1 },
            summary.Failures);
        Assert.Equal(new Dictionary<string, long> { ["r1"] = 1, ["r2"] = 1 }, summary.Replicas);
    }

    [Fact]
    public async Task Requests_beyond_the_in_flight_cap_are_not_sent_and_count_as_client_overloaded()
    {
        var time = new FakeTimeProvider();
        var stats = new LoadStats(TimeSpan.FromSeconds(5));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var handler = new StubHandler(async _ =>
        {
            await release.Task;
            return Ok("r1");
        });
        using var client = new HttpLoadClient(Settings(maxInflight: 2), stats, time, handler);

        for (var i = 0; i < 5; i++)
        {
            client.Dispatch(new DueRequest(i + 1, TimeSpan.Zero, TimeSpan.Zero));
        }

        Assert.Equal(2, client.InFlight);
        release.SetResult();
        await WaitIdleAsync(client);
        var summary = stats.Summarize(new LoadRunInfo("u", "p", TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(5), false);

        Assert.Equal(2, summary.Sent);
        Assert.Equal(5, summary.Scheduled);
        Assert.Equal(new Dictionary<string, long> { ["client_overloaded"] = 3 }, summary.Failures);
    }

    [Fact]
    public async Task Abort_cancels_what_is_in_flight()
    {
        var time = new FakeTimeProvider();
        var stats = new LoadStats(TimeSpan.FromSeconds(5));
        using var handler = new StubHandler(async token =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            return Ok("never");
        });
        using var client = new HttpLoadClient(Settings(), stats, time, handler);

        client.Dispatch(new DueRequest(1, TimeSpan.Zero, TimeSpan.Zero));
        client.Abort();
        await WaitIdleAsync(client);

        var summary = stats.Summarize(new LoadRunInfo("u", "p", TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(5), true);
        Assert.Equal(new Dictionary<string, long> { ["cancelled"] = 1 }, summary.Failures);
    }

    private static HttpResponseMessage Ok(string instance) =>
        new(HttpStatusCode.OK) { Headers = { { "X-Instance-Id", instance } }, Content = new StringContent("{}") };

    private static async Task WaitIdleAsync(HttpLoadClient client)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (client.InFlight > 0)
        {
            await Task.Yield();
            deadline.Token.ThrowIfCancellationRequested();
        }
    }

    private sealed class StubHandler(Func<CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
    {
        public static StubHandler Returning(Func<HttpResponseMessage> respond) => new(_ =>
        {
            try
            {
                return Task.FromResult(respond());
            }
            catch (Exception e)
            {
                return Task.FromException<HttpResponseMessage>(e);
            }
        });

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            respond(cancellationToken);
    }
}
