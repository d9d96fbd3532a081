namespace Autoscaler.WebApp;

/// <summary>
/// Mean response time of the requests completed in the last second, in ten 100 ms slots:
/// the value behind <c>webapp_response_time_seconds</c>.
/// </summary>
internal sealed class ResponseTimeWindow
{
    private static readonly long SlotTicks = TimeSpan.FromMilliseconds(100).Ticks;
    private const int Slots = 10;

    private readonly Lock _lock = new();
    private readonly long[] _epoch = new long[Slots];
    private readonly double[] _sum = new double[Slots];
    private readonly long[] _count = new long[Slots];

    public void Record(TimeSpan now, TimeSpan latency)
    {
        var epoch = now.Ticks / SlotTicks;
        var slot = (int)(epoch % Slots);
        lock (_lock)
        {
            if (_epoch[slot] != epoch)
            {
                _epoch[slot] = epoch;
                _sum[slot] = 0;
                _count[slot] = 0;
            }

            _sum[slot] += latency.TotalSeconds;
            _count[slot]++;
        }
    }

    /// <summary>Mean over the slots of the last second; 0 when nothing completed.</summary>
    public double Mean(TimeSpan now)
    {
        var current = now.Ticks / SlotTicks;
        double sum = 0;
        long count = 0;
        lock (_lock)
        {
            for (var i = 0; i < Slots; i++)
            {
                if (_count[i] > 0 && current - _epoch[i] < Slots)
                {
                    sum += _sum[i];
                    count += _count[i];
                }
            }
        }

        return count == 0 ? 0 : sum / count;
    }
}
