namespace Autoscaler.Gateway.Health;

/// <summary>
/// Requests and failures of one replica over a sliding window of ten buckets: the passive health check's memory.
/// Takes a timestamp from the caller (a <see cref="TimeProvider"/> reading), so it can be tested on a fake clock.
/// </summary>
internal sealed class FailureWindow(TimeSpan window, TimeProvider time)
{
    private const int Buckets = 10;
    private readonly long _bucketTicks = Math.Max(1, (long)(window.TotalSeconds * time.TimestampFrequency / Buckets));
    private readonly int[] _requests = new int[Buckets];
    private readonly int[] _failures = new int[Buckets];
    private readonly Lock _lock = new();
    private long _current = long.MinValue;

    /// <summary>
    /// Adds one request. When, counting it, at least <paramref name="minimumFailures"/> requests of the window failed
    /// and they are at least <paramref name="failureRate"/> of all, returns the failures and requests of the window and
    /// starts it afresh, so a replica that comes back is judged on what it does after; null otherwise.
    /// </summary>
    public (int Failures, int Requests)? Record(long timestamp, bool failed, int minimumFailures, double failureRate)
    {
        var bucket = timestamp / _bucketTicks;
        lock (_lock)
        {
            Advance(bucket);
            var slot = (int)(bucket % Buckets);
            _requests[slot]++;
            if (!failed)
            {
                return null;
            }

            _failures[slot]++;
            int requests = 0, failures = 0;
            for (var i = 0; i < Buckets; i++)
            {
                requests += _requests[i];
                failures += _failures[i];
            }

            if (failures < minimumFailures || failures < failureRate * requests)
            {
                return null;
            }

            Array.Clear(_requests);
            Array.Clear(_failures);
            return (failures, requests);
        }
    }

    private void Advance(long bucket)
    {
        if (bucket <= _current)
        {
            return;
        }

        // Empty every bucket the clock moved past (all of them after a long quiet spell).
        var stale = _current == long.MinValue ? Buckets : (int)Math.Min(Buckets, bucket - _current);
        for (var i = 1; i <= stale; i++)
        {
            var slot = (int)((bucket - stale + i) % Buckets);
            _requests[slot] = 0;
            _failures[slot] = 0;
        }

        _current = bucket;
    }
}
