using System.Collections.Concurrent;

namespace Autoscaler.IntegrationTests.Gateway;

/// <summary>One request of an open-loop run: when it was sent and answered (time since the run began), and how.</summary>
public sealed record LoadResult(TimeSpan Sent, TimeSpan Done, int? StatusCode, string? Instance, string? Error)
{
    public bool Ok => StatusCode == 200;

    public override string ToString() =>
        $"sent {Sent.TotalMilliseconds:0}ms, done {Done.TotalMilliseconds:0}ms: {(StatusCode is { } c ? c.ToString(System.Globalization.CultureInfo.InvariantCulture) : Error)} from {Instance ?? "?"}";
}

/// <summary>
/// A tiny open-loop load: requests leave on a fixed schedule whether or not earlier ones were answered,
/// so a stall shows up as failures or latency instead of silently slowing the sender down.
/// </summary>
public sealed class OpenLoopLoad(HttpClient client, double requestsPerSecond)
{
    private readonly long _origin = TimeProvider.System.GetTimestamp();

    /// <summary>Time since the load was created, on the same clock as <see cref="LoadResult"/>.</summary>
    public TimeSpan Now => TimeProvider.System.GetElapsedTime(_origin);

    public async Task<IReadOnlyList<LoadResult>> RunAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var results = new ConcurrentBag<LoadResult>();
        var inflight = new List<Task>();
        var interval = TimeSpan.FromSeconds(1 / requestsPerSecond);
        var start = Now;
        for (long i = 0; ; i++)
        {
            var due = start + (interval * i);
            if (due - start >= duration)
            {
                break;
            }

            var wait = due - Now;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            inflight.Add(SendAsync(results, cancellationToken));
        }

        await Task.WhenAll(inflight);
        return [.. results.OrderBy(r => r.Sent)];
    }

    private async Task SendAsync(ConcurrentBag<LoadResult> results, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var sent = Now;
        try
        {
            using var response = await client.GetAsync("/", cancellationToken);
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var instance = response.Headers.TryGetValues("X-Instance-Id", out var values) ? values.FirstOrDefault() : null;
            results.Add(new LoadResult(sent, Now, (int)response.StatusCode, instance, null));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            results.Add(new LoadResult(sent, Now, null, null, e.GetType().Name + ": " + e.Message));
        }
    }
}
