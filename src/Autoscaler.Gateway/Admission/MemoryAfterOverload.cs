using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Gateway.Admission;

/// <summary>
/// Gives back the memory an overload took, once it is over. Under overload the gateway holds up to
/// <see cref="GatewayOptions.HoldLimit"/> requests and answers thousands of 503s a second; the objects behind them live
/// long enough to reach the oldest generation, where garbage is collected only when that generation fills again,
/// which a quiet gateway never makes it do. So the process kept its peak (97 → 141 MB in <c>bench/gateway/overload.sh</c>)
/// for good. Here: when no request has been turned away or held for <see cref="QuietTime"/> after an overload, one
/// full, compacting collection that returns free memory to the system (<see cref="GCCollectionMode.Aggressive"/>),
/// at most once per <see cref="MinSpacing"/> (a few tens of milliseconds' pause, so never while requests are being
/// turned away, and never in a loop).
/// </summary>
internal sealed partial class MemoryAfterOverload : IHostedService, IDisposable
{
    /// <summary>How long without a rejected or held request before the overload counts as over.</summary>
    public static readonly TimeSpan QuietTime = TimeSpan.FromSeconds(10);

    /// <summary>The shortest time between two collections.</summary>
    public static readonly TimeSpan MinSpacing = TimeSpan.FromMinutes(1);

    /// <summary>How often it looks.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly IGatewayOverload _overload;
    private readonly TimeProvider _time;
    private readonly Func<(long Before, long After)> _collect;
    private readonly ILogger _logger;
    private ITimer? _timer;
    private long _lastOverload;
    private long? _lastCollection;
    private int _pending;

    /// <param name="overload">Raised for every request turned away or held.</param>
    /// <param name="time">The clock of the quiet time and the spacing.</param>
    /// <param name="collect">Collects and returns the committed bytes before and after (the real collection by default).</param>
    /// <param name="logger">Says what each collection gave back.</param>
    public MemoryAfterOverload(IGatewayOverload overload, TimeProvider time, ILogger<MemoryAfterOverload> logger, Func<(long Before, long After)>? collect = null)
    {
        _overload = overload;
        _time = time;
        _logger = logger;
        _collect = collect ?? Collect;
    }

    /// <summary>Collections made so far.</summary>
    public int Collections { get; private set; }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _overload.Rejected += OnRejected;
        _timer = _time.CreateTimer(_ => Check(), null, CheckInterval, CheckInterval);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _overload.Rejected -= OnRejected;
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose() => _timer?.Dispose();

    /// <summary>Collects when an overload has been over for the quiet time and the last collection is long enough ago.</summary>
    internal void Check()
    {
        if (Volatile.Read(ref _pending) == 0
            || _time.GetElapsedTime(Volatile.Read(ref _lastOverload)) < QuietTime
            || (_lastCollection is { } last && _time.GetElapsedTime(last) < MinSpacing)
            || Interlocked.CompareExchange(ref _pending, 0, 1) == 0)
        {
            return;
        }

        var (before, after) = _collect();
        _lastCollection = _time.GetTimestamp();
        Collections++;
        LogCollected(_logger, QuietTime.TotalSeconds, before / (1024 * 1024), after / (1024 * 1024));
    }

    // Raised on the request's thread, thousands of times a second under overload: two writes, nothing else.
    private void OnRejected(object? sender, EventArgs e)
    {
        Volatile.Write(ref _lastOverload, _time.GetTimestamp());
        Volatile.Write(ref _pending, 1);
    }

    private static (long Before, long After) Collect()
    {
        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return (before, GC.GetGCMemoryInfo().TotalCommittedBytes);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "no request turned away for {Quiet}s after an overload: the memory it took was collected (managed heap committed {Before} MB -> {After} MB)")]
    private static partial void LogCollected(ILogger logger, double quiet, long before, long after);
}
