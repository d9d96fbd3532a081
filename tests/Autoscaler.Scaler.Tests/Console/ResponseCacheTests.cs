using Autoscaler.Scaler.Console;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Scaler.Tests.Console;

public sealed class ResponseCacheTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public async Task An_answer_is_reused_within_its_window_and_computed_again_after()
    {
        var cache = new ResponseCache(_clock);
        var computed = 0;
        Task<byte[]> Compute(CancellationToken _) => Task.FromResult(new[] { (byte)Interlocked.Increment(ref computed) });

        var first = await cache.GetAsync("web/status", Compute);
        _clock.Advance(ResponseCache.DefaultWindow - TimeSpan.FromMilliseconds(1));
        var reused = await cache.GetAsync("web/status", Compute);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var fresh = await cache.GetAsync("web/status", Compute);

        Assert.Equal([1], first);
        Assert.Equal([1], reused);
        Assert.Equal([2], fresh);
    }

    [Fact]
    public async Task Answers_past_their_window_are_dropped_when_another_is_computed()
    {
        var cache = new ResponseCache(_clock);
        foreach (var service in new[] { "a", "b", "c" })
        {
            await cache.GetAsync(service + "/status", _ => Task.FromResult(new byte[1]));
        }

        _clock.Advance(ResponseCache.DefaultWindow);
        await cache.GetAsync("d/status", _ => Task.FromResult(new byte[1]));

        Assert.Equal(1, cache.Count); // a, b and c (services since removed, say) are not kept for ever
    }

    [Fact]
    public async Task A_computation_that_hangs_is_cancelled_at_the_timeout_on_the_cache_clock_and_not_kept()
    {
        var cache = new ResponseCache(_clock);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hanging = cache.GetAsync("web/series", async token =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, token);
            return [];
        });
        await started.Task;

        _clock.Advance(ResponseCache.Timeout);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => hanging);
        Assert.Equal([7], await cache.GetAsync("web/series", _ => Task.FromResult(new byte[] { 7 })));
    }
}
