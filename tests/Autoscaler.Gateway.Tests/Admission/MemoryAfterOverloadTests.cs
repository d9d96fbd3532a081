using Autoscaler.Gateway.Admission;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Gateway.Tests.Admission;

public sealed class MemoryAfterOverloadTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly OverloadSignal _overload = new();
    private int _collections;

    [Fact]
    public async Task Without_an_overload_nothing_is_collected()
    {
        using var release = await StartAsync();

        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(0, _collections);
    }

    [Fact]
    public async Task One_collection_follows_the_quiet_time_after_the_last_rejection_and_none_while_rejections_go_on()
    {
        using var release = await StartAsync();

        // Rejections every half second for 30 s: an overload under way is never interrupted by a collection.
        for (var i = 0; i < 60; i++)
        {
            _overload.Raise();
            _time.Advance(TimeSpan.FromMilliseconds(500));
        }

        Assert.Equal(0, _collections);
        _time.Advance(MemoryAfterOverload.QuietTime - TimeSpan.FromSeconds(2));
        Assert.Equal(0, _collections);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, _collections);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, _collections); // once per overload, not once a second
    }

    [Fact]
    public async Task A_second_overload_soon_after_waits_for_the_spacing_and_is_then_collected_once()
    {
        using var release = await StartAsync();
        _overload.Raise();
        _time.Advance(MemoryAfterOverload.QuietTime);
        Assert.Equal(1, _collections);

        _time.Advance(TimeSpan.FromSeconds(5));
        _overload.Raise();
        _time.Advance(MemoryAfterOverload.QuietTime + TimeSpan.FromSeconds(1));
        Assert.Equal(1, _collections); // 16 s after the first collection: too soon

        _time.Advance(MemoryAfterOverload.MinSpacing - TimeSpan.FromSeconds(16));
        Assert.Equal(2, _collections);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(2, _collections);
    }

    [Fact]
    public async Task Once_stopped_it_no_longer_collects()
    {
        var release = await StartAsync();
        await release.StopAsync(TestContext.Current.CancellationToken);
        release.Dispose();

        _overload.Raise();
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(0, _collections);
    }

    private async Task<MemoryAfterOverload> StartAsync()
    {
        var release = new MemoryAfterOverload(_overload, _time, NullLogger<MemoryAfterOverload>.Instance, () =>
        {
            _collections++;
            return (100 << 20, 60 << 20);
        });
        await release.StartAsync(TestContext.Current.CancellationToken);
        return release;
    }
}
