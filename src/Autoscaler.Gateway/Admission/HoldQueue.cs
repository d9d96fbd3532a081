namespace Autoscaler.Gateway.Admission;

/// <summary>What became of a request at the gate.</summary>
internal enum HoldOutcome
{
    /// <summary>A replica had room: forwarded without waiting.</summary>
    Admitted,

    /// <summary>Held, then given a slot freed by a finished request or a replica that entered rotation.</summary>
    Released,

    /// <summary>Held for the whole hold timeout without a slot: answer 503.</summary>
    TimedOut,

    /// <summary>The hold queue already held its limit: answer 503 at once.</summary>
    Dropped,

    /// <summary>The client went away while its request was held; it left the queue.</summary>
    Abandoned,
}

/// <summary>
/// The gateway's admission: counts the requests forwarded and not yet finished against a capacity (the per-replica
/// limit times the replicas in rotation) and, when it is reached, holds further requests first in, first out, up to
/// <c>limit</c> of them for at most <c>timeout</c> each, until a slot frees. Without it a step in load is answered
/// 503 for the seconds a new replica takes to be asked for and to start; with it those requests wait those seconds
/// instead, and the queue's bounds keep the gateway's memory bounded under lasting overload. A newcomer never
/// overtakes a held request: it is admitted at once only when nobody is held.
/// </summary>
internal sealed class HoldQueue : IDisposable
{
    /// <summary>How often the capacity is read again while requests are held, so a replica entering rotation (or coming back) releases them.</summary>
    public static readonly TimeSpan Recheck = TimeSpan.FromMilliseconds(100);

    private readonly Func<int> _capacity;
    private readonly int _limit;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly Action? _onHeld;
    private readonly LinkedList<Waiter> _held = new();
    private readonly ITimer _recheck;
    private readonly Lock _lock = new();
    private int _admitted;

    /// <param name="capacity">Requests that may be in flight now (read under the queue's lock: keep it cheap).</param>
    /// <param name="limit">Requests that may wait at once; 0 turns holding off (503 at once, as without a queue).</param>
    /// <param name="timeout">Longest a request waits before it is answered 503.</param>
    /// <param name="time">The clock of the timeouts and of the re-reads of the capacity.</param>
    /// <param name="onHeld">Called as a request starts to wait, outside the lock (the overload signal).</param>
    public HoldQueue(Func<int> capacity, int limit, TimeSpan timeout, TimeProvider time, Action? onHeld = null)
    {
        _capacity = capacity;
        _limit = limit;
        _timeout = timeout;
        _time = time;
        _onHeld = onHeld;
        _recheck = time.CreateTimer(_ => Dispatch(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Requests waiting now.</summary>
    public int Held
    {
        get
        {
            lock (_lock)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>Requests admitted (at once or after waiting) and not yet <see cref="Exit"/>ed.</summary>
    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _admitted;
            }
        }
    }

    /// <summary>
    /// Admits a request at once, or holds it until a slot frees, the timeout passes or <paramref name="aborted"/> fires.
    /// After <see cref="HoldOutcome.Admitted"/> or <see cref="HoldOutcome.Released"/> the caller must call
    /// <see cref="Exit"/> once the request is done.
    /// </summary>
    public ValueTask<HoldOutcome> EnterAsync(CancellationToken aborted)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_held.Count == 0 && _admitted < _capacity())
            {
                _admitted++;
                return ValueTask.FromResult(HoldOutcome.Admitted);
            }

            if (_held.Count >= _limit)
            {
                return ValueTask.FromResult(HoldOutcome.Dropped);
            }

            waiter = new Waiter(this);
            waiter.Node = _held.AddLast(waiter);
            if (_held.Count == 1)
            {
                _recheck.Change(Recheck, Recheck);
            }
        }

        _onHeld?.Invoke();
        return new ValueTask<HoldOutcome>(WaitAsync(waiter, aborted));
    }

    /// <summary>A request admitted by <see cref="EnterAsync"/> is done: its slot goes to the longest-held request, if any.</summary>
    public void Exit()
    {
        lock (_lock)
        {
            _admitted--;
            DispatchLocked();
        }
    }

    /// <summary>Reads the capacity again and releases as many held requests as it allows (a replica entered rotation).</summary>
    public void Dispatch()
    {
        lock (_lock)
        {
            DispatchLocked();
        }
    }

    public void Dispose() => _recheck.Dispose();

    private async Task<HoldOutcome> WaitAsync(Waiter waiter, CancellationToken aborted)
    {
        using var timeout = _time.CreateTimer(static w => ((Waiter)w!).Queue.Leave((Waiter)w!, HoldOutcome.TimedOut), waiter, _timeout, Timeout.InfiniteTimeSpan);
        await using var registration = aborted.Register(static w => ((Waiter)w!).Queue.Leave((Waiter)w!, HoldOutcome.Abandoned), waiter);
        return await waiter.Done.Task.ConfigureAwait(false);
    }

    private void Leave(Waiter waiter, HoldOutcome outcome)
    {
        lock (_lock)
        {
            // Already released (or gone for the other reason): the first outcome stands.
            if (waiter.Node?.List is null)
            {
                return;
            }

            Remove(waiter);
            waiter.Done.TrySetResult(outcome);
        }
    }

    private void DispatchLocked()
    {
        if (_held.Count == 0)
        {
            return;
        }

        var capacity = _capacity();
        while (_held.First is { } first && _admitted < capacity)
        {
            _admitted++;
            Remove(first.Value);
            first.Value.Done.TrySetResult(HoldOutcome.Released);
        }
    }

    private void Remove(Waiter waiter)
    {
        _held.Remove(waiter.Node!);
        if (_held.Count == 0)
        {
            _recheck.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private sealed class Waiter(HoldQueue queue)
    {
        // Continuations run elsewhere, never inside the queue's lock where the result is set.
        public TaskCompletionSource<HoldOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        public HoldQueue Queue { get; } = queue;
    }
}
