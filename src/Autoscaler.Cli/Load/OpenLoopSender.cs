namespace Autoscaler.Cli.Load;

/// <summary>One request the schedule made due: its number (from 1), when it was meant to go and when it went.</summary>
internal readonly record struct DueRequest(long Number, TimeSpan Intended, TimeSpan Actual)
{
    public bool Late => Actual - Intended > OpenLoopSender.LateThreshold;
}

/// <summary>
/// The open-loop sending loop: sleeps until the next request is due, then hands every due request to
/// <c>dispatch</c> without waiting for any of them, so a slow server never slows the schedule down.
/// All times are offsets from <c>start</c> on <c>time</c>, so a fake clock can drive it.
/// </summary>
internal sealed class OpenLoopSender
{
    /// <summary>A request that leaves later than this after its intended time counts as late.</summary>
    public static readonly TimeSpan LateThreshold = TimeSpan.FromMilliseconds(10);

    // Timers are not finer than a millisecond; a shorter wait would spin.
    private static readonly TimeSpan MinimumSleep = TimeSpan.FromMilliseconds(1);

    // Most requests handed out per call: a schedule that runs ahead of the machine (10 M req/s) keeps every request
    // due at once, and the loops around still sleep and report between batches.
    private const int MaxBatch = 1024;

    private readonly SendSchedule _schedule;
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly Action<DueRequest> _dispatch;
    private readonly long? _maxRequests;
    private TimeSpan _next;
    private bool _hasNext;
    private long _dispatched;

    /// <param name="schedule">When requests are due.</param>
    /// <param name="time">The clock.</param>
    /// <param name="start">Time stamp (from <paramref name="time"/>) of the run's start.</param>
    /// <param name="dispatch">Starts one request; must not wait for it.</param>
    /// <param name="maxRequests">Stop after this many requests.</param>
    public OpenLoopSender(SendSchedule schedule, TimeProvider time, long start, Action<DueRequest> dispatch, long? maxRequests = null)
    {
        _schedule = schedule;
        _time = time;
        _start = start;
        _dispatch = dispatch;
        _maxRequests = maxRequests;
        _hasNext = (maxRequests is null || maxRequests > 0) && schedule.TryNext(out _next);
    }

    public long Dispatched => Volatile.Read(ref _dispatched);

    /// <summary>False once the schedule has ended or the request cap was reached.</summary>
    public bool HasNext => _hasNext;

    /// <summary>When the next request is due, if any.</summary>
    public TimeSpan? NextDue => _hasNext ? _next : null;

    /// <summary>Dispatches the requests due by now, at most a thousand; returns how many.</summary>
    public int DispatchDue() => DispatchDueUnless(CancellationToken.None);

    /// <summary>
    /// <see cref="DispatchDue"/>, stopping at once when <paramref name="stop"/> fires: a request to a port that refuses
    /// fails on this thread, so even a batch can take a second.
    /// </summary>
    private int DispatchDueUnless(CancellationToken stop)
    {
        var count = 0;
        while (_hasNext && count < MaxBatch && !stop.IsCancellationRequested)
        {
            var due = _next;
            var now = _time.GetElapsedTime(_start);
            if (due > now)
            {
                break;
            }

            var number = _dispatched + 1;
            Volatile.Write(ref _dispatched, number);
            _dispatch(new DueRequest(number, due, now));
            count++;
            _hasNext = (_maxRequests is null || number < _maxRequests) && _schedule.TryNext(out _next);
        }

        return count;
    }

    /// <summary>
    /// Runs on the calling thread, sleeping on the system clock, until the schedule ends, the cap is reached or
    /// <paramref name="stop"/> fires. Meant for a dedicated thread: a timer continuation on the thread pool would
    /// queue behind the response work there and send late exactly when the load is high.
    /// </summary>
    public void Run(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            DispatchDueUnless(stop);
            if (!_hasNext)
            {
                return;
            }

            var wait = _next - _time.GetElapsedTime(_start);
            if (wait > TimeSpan.Zero)
            {
                stop.WaitHandle.WaitOne(wait < MinimumSleep ? MinimumSleep : wait);
            }
        }
    }

    /// <summary>Runs until the schedule ends, the cap is reached or <paramref name="stop"/> fires, sleeping on the given clock.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            DispatchDueUnless(stop);
            if (!_hasNext)
            {
                return;
            }

            var wait = _next - _time.GetElapsedTime(_start);
            if (wait <= TimeSpan.Zero)
            {
                continue;
            }

            try
            {
                await Task.Delay(wait < MinimumSleep ? MinimumSleep : wait, _time, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
