using System.Collections.Concurrent;
using Autoscaler.IntegrationTests.Gateway;

namespace Autoscaler.IntegrationTests.Chaos;

/// <summary>
/// Open-loop load that runs for as long as the stack does, at a fixed rate through the gateway, keeping every result:
/// a test takes <see cref="Now"/> before its fault and counts the failures of the requests sent since.
/// </summary>
internal sealed class SteadyLoad : IAsyncDisposable
{
    private readonly HttpClient _client;
    private readonly ConcurrentQueue<LoadResult> _results = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly long _origin = TimeProvider.System.GetTimestamp();
    private readonly Task _run;

    public SteadyLoad(Uri gateway, double requestsPerSecond)
    {
        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = gateway, Timeout = Timeout };
        _run = Task.Run(() => RunAsync(TimeSpan.FromSeconds(1 / requestsPerSecond), _stop.Token));
    }

    /// <summary>How long one request may take before it counts as failed: twenty times the demo service's mean service time.</summary>
    public static TimeSpan Timeout { get; } = TimeSpan.FromSeconds(2);

    /// <summary>Time since the load began, on the clock of <see cref="LoadResult.Sent"/>.</summary>
    public TimeSpan Now => TimeProvider.System.GetElapsedTime(_origin);

    /// <summary>Every answered (or failed) request sent at or after <paramref name="from"/> and before <paramref name="to"/>.</summary>
    public IReadOnlyList<LoadResult> Between(TimeSpan from, TimeSpan to) => [.. _results.Where(r => r.Sent >= from && r.Sent < to).OrderBy(r => r.Sent)];

    /// <summary>Waits until every request sent before <paramref name="until"/> has an outcome, then returns those since <paramref name="from"/>.</summary>
    public async Task<IReadOnlyList<LoadResult>> SettledAsync(TimeSpan from, TimeSpan until)
    {
        await Task.Delay(Timeout + TimeSpan.FromSeconds(0.5)); // anything sent before until has ended by then
        return Between(from, until);
    }

    /// <summary>A line per failed request, for an assertion message.</summary>
    public static string Describe(IReadOnlyList<LoadResult> results) =>
        $"{results.Count(r => !r.Ok)} of {results.Count} failed: " + string.Join("; ", results.Where(r => !r.Ok).Take(10));

    private async Task RunAsync(TimeSpan interval, CancellationToken stop)
    {
        var start = Now;
        try
        {
            for (long i = 0; ; i++)
            {
                var wait = start + (interval * i) - Now;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, stop);
                }

                _ = SendAsync(stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SendAsync(CancellationToken stop)
    {
        var sent = Now;
        try
        {
            using var response = await _client.GetAsync("/", stop);
            await response.Content.ReadAsByteArrayAsync(stop);
            _results.Enqueue(new LoadResult(sent, Now, (int)response.StatusCode, null, null));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !stop.IsCancellationRequested)
        {
            _results.Enqueue(new LoadResult(sent, Now, null, null, e.GetType().Name + ": " + e.Message));
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run;
        _client.Dispose();
        _stop.Dispose();
    }
}
