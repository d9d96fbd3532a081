namespace Autoscaler.Core.ServiceModel;

/// <summary>The outcome of offering one request to a <see cref="FifoWorkerPool"/>.</summary>
/// <param name="Accepted">False when the queue was full; the request must be rejected at once.</param>
/// <param name="Start">When a worker takes the request (equal to the arrival time when one was free).</param>
/// <param name="End">When the worker finishes it.</param>
public readonly record struct Admission(bool Accepted, TimeSpan Start, TimeSpan End)
{
    /// <summary>Time spent waiting for a worker.</summary>
    public TimeSpan Wait(TimeSpan arrival) => Start - arrival;
}

/// <summary>
/// A first-come-first-served pool of <c>W</c> workers with at most <c>Q</c> requests waiting:
/// the c-server queue of DESIGN.md, in whatever time the caller passes in.
/// </summary>
/// <remarks>
/// Because service is FIFO, a request's start and end are known the moment it arrives:
/// it takes the worker that frees up first. The demo service then only has to wait until
/// <see cref="Admission.End"/>, and the simulator can run the very same object in virtual time.
/// Times passed in must not go backwards. Thread-safe.
/// </remarks>
public sealed class FifoWorkerPool
{
    private readonly Lock _lock = new();
    private readonly PriorityQueue<TimeSpan, TimeSpan> _workerFreeAt = new();
    private readonly Queue<TimeSpan> _waitingStarts = new();
    private readonly PriorityQueue<TimeSpan, TimeSpan> _ends = new();

    /// <summary>Creates a pool; <paramref name="workers"/> must be positive, <paramref name="queueLimit"/> not negative.</summary>
    public FifoWorkerPool(int workers, int queueLimit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(queueLimit);
        Workers = workers;
        QueueLimit = queueLimit;
        for (var i = 0; i < workers; i++)
        {
            _workerFreeAt.Enqueue(TimeSpan.Zero, TimeSpan.Zero);
        }
    }

    /// <summary>Number of workers (W).</summary>
    public int Workers { get; }

    /// <summary>Most requests that may wait for a worker (Q).</summary>
    public int QueueLimit { get; }

    /// <summary>Offers a request arriving at <paramref name="now"/> that needs <paramref name="serviceTime"/> of work.</summary>
    public Admission Admit(TimeSpan now, TimeSpan serviceTime)
    {
        lock (_lock)
        {
            Advance(now);
            var freeAt = _workerFreeAt.Peek();
            var start = freeAt > now ? freeAt : now;
            if (start > now && _waitingStarts.Count >= QueueLimit)
            {
                return new Admission(false, now, now);
            }

            _workerFreeAt.Dequeue();
            var end = start + serviceTime;
            _workerFreeAt.Enqueue(end, end);
            _ends.Enqueue(end, end);
            if (start > now)
            {
                _waitingStarts.Enqueue(start);
            }

            return new Admission(true, start, end);
        }
    }

    /// <summary>How many requests are with a worker and how many wait, at <paramref name="now"/>.</summary>
    public (int InService, int Waiting) Occupancy(TimeSpan now)
    {
        lock (_lock)
        {
            Advance(now);
            return (_ends.Count - _waitingStarts.Count, _waitingStarts.Count);
        }
    }

    private void Advance(TimeSpan now)
    {
        // Starts are non-decreasing under FIFO, so the waiting line drains from its head.
        while (_waitingStarts.Count > 0 && _waitingStarts.Peek() <= now)
        {
            _waitingStarts.Dequeue();
        }

        while (_ends.Count > 0 && _ends.Peek() <= now)
        {
            _ends.Dequeue();
        }
    }
}
