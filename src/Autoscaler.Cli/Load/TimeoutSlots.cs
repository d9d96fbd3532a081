namespace Autoscaler.Cli.Load;

/// <summary>
/// Request timeouts without a timer per request: requests started in the same slot (100 ms) share one token
/// that fires <c>timeout</c> after the slot ends, so a request times out between <c>timeout</c> and
/// <c>timeout</c> + 100 ms after it was sent. <see cref="CancelAll"/> cancels every live slot at once.
/// </summary>
internal sealed class TimeoutSlots(TimeSpan timeout, TimeProvider time, long start) : IDisposable
{
    public static readonly TimeSpan SlotLength = TimeSpan.FromMilliseconds(100);

    private readonly Queue<(long Slot, CancellationTokenSource Source)> _live = new();
    private readonly Lock _lock = new();
    private long _currentSlot = -1;
    private CancellationTokenSource? _current;
    private bool _cancelled;

    /// <summary>The token for a request starting now. Called from the sending loop only, but safe from anywhere.</summary>
    public CancellationToken Next()
    {
        var slot = time.GetElapsedTime(start).Ticks / SlotLength.Ticks;
        var current = Volatile.Read(ref _current);
        if (slot == Volatile.Read(ref _currentSlot) && current is not null)
        {
            return current.Token;
        }

        lock (_lock)
        {
            if (slot != _currentSlot || _current is null)
            {
                var ends = TimeSpan.FromTicks((slot + 1) * SlotLength.Ticks) - time.GetElapsedTime(start);
                var source = new CancellationTokenSource(timeout + (ends > TimeSpan.Zero ? ends : TimeSpan.Zero), time);
                if (_cancelled)
                {
                    source.Cancel();
                }

                _live.Enqueue((slot, source));
                _current = source;
                Volatile.Write(ref _currentSlot, slot);
                DisposeExpired(slot);
            }

            return _current.Token;
        }
    }

    /// <summary>Cancels every request that holds a token from here, and those that ask for one later.</summary>
    public void CancelAll()
    {
        lock (_lock)
        {
            _cancelled = true;
            foreach (var (_, source) in _live)
            {
                source.Cancel();
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            while (_live.TryDequeue(out var entry))
            {
                entry.Source.Dispose();
            }

            _current = null;
        }
    }

    // A slot long past its timeout has fired and its requests have finished; only then is disposing safe.
    private void DisposeExpired(long now)
    {
        var keep = (timeout.Ticks / SlotLength.Ticks) + 20;
        while (_live.TryPeek(out var oldest) && oldest.Slot < now - keep && oldest.Source.IsCancellationRequested)
        {
            _live.Dequeue().Source.Dispose();
        }
    }
}
