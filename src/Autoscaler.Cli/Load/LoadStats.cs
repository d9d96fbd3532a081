using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using HdrHistogram;

namespace Autoscaler.Cli.Load;

/// <summary>
/// Counters of a run, updated from many requests at once without locks: totals, failures by kind, replicas
/// that answered, per-second buckets (by intended send second) and a latency histogram of successful requests.
/// </summary>
internal sealed class LoadStats
{
    private const long HighestMicroseconds = 3_600_000_000; // one hour
    private readonly LongConcurrentHistogram _latency = new(1, HighestMicroseconds, 3);
    private readonly ConcurrentDictionary<string, StrongBox<long>> _failures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox<long>> _replicas = new(StringComparer.Ordinal);
    private readonly long[] _bucketSent;
    private readonly long[] _bucketSucceeded;
    private readonly long[] _bucketFailed;
    private readonly long[] _bucketLatencyTicks;
    private readonly long[] _bucketLate;
    private long _scheduled;
    private long _sent;
    private long _late;
    private long _succeeded;
    private long _failed;
    private long _latencyTicks;

    /// <param name="length">Length of the run; one bucket per started second.</param>
    public LoadStats(TimeSpan length)
    {
        var seconds = (int)Math.Clamp(Math.Ceiling(length.TotalSeconds), 1, 7 * 24 * 3600);
        _bucketSent = new long[seconds];
        _bucketSucceeded = new long[seconds];
        _bucketFailed = new long[seconds];
        _bucketLatencyTicks = new long[seconds];
        _bucketLate = new long[seconds];
    }

    public long Sent => Volatile.Read(ref _sent);

    public long Succeeded => Volatile.Read(ref _succeeded);

    public long Failed => Volatile.Read(ref _failed);

    /// <summary>Sum of the latencies of successful requests, for a cheap running mean.</summary>
    public TimeSpan LatencySum => TimeSpan.FromTicks(Volatile.Read(ref _latencyTicks));

    /// <summary>A request went out; <paramref name="late"/> when it left more than the threshold after its intended time.</summary>
    public void RecordSent(TimeSpan intended, bool late)
    {
        var bucket = Bucket(intended);
        Interlocked.Increment(ref _scheduled);
        Interlocked.Increment(ref _sent);
        Interlocked.Increment(ref _bucketSent[bucket]);
        if (late)
        {
            Interlocked.Increment(ref _late);
            Interlocked.Increment(ref _bucketLate[bucket]);
        }
    }

    /// <summary>A request was due but not sent (e.g. too many in flight); it counts as failed with <paramref name="kind"/>.</summary>
    public void RecordSkipped(TimeSpan intended, string kind)
    {
        Interlocked.Increment(ref _scheduled);
        RecordFailure(intended, kind);
    }

    public void RecordSuccess(TimeSpan intended, TimeSpan latency, string? instance)
    {
        var bucket = Bucket(intended);
        var ticks = Math.Max(0, latency.Ticks);
        Interlocked.Increment(ref _succeeded);
        Interlocked.Increment(ref _bucketSucceeded[bucket]);
        Interlocked.Add(ref _bucketLatencyTicks[bucket], ticks);
        Interlocked.Add(ref _latencyTicks, ticks);
        _latency.RecordValue(Math.Clamp(ticks / TimeSpan.TicksPerMicrosecond, 1, HighestMicroseconds));
        RecordReplica(instance);
    }

    /// <summary>A request failed; <paramref name="instance"/> is the replica that answered, if one did.</summary>
    public void RecordFailure(TimeSpan intended, string kind, string? instance = null)
    {
        Interlocked.Increment(ref _failed);
        Interlocked.Increment(ref _bucketFailed[Bucket(intended)]);
        Interlocked.Increment(ref _failures.GetOrAdd(kind, static _ => new StrongBox<long>()).Value);
        RecordReplica(instance);
    }

    /// <summary>Everything so far as a summary; <paramref name="elapsed"/> is the sending window the rates are over.</summary>
    public LoadSummary Summarize(LoadRunInfo info, TimeSpan elapsed, bool interrupted)
    {
        var histogram = _latency.Copy();
        var count = histogram.TotalCount;
        var latency = count == 0
            ? new LatencySummary(0, 0, 0, 0, 0, 0)
            : new LatencySummary(
                count,
                Math.Round(histogram.GetMean() / 1000.0, 3),
                histogram.GetValueAtPercentile(50) / 1000.0,
                histogram.GetValueAtPercentile(90) / 1000.0,
                histogram.GetValueAtPercentile(99) / 1000.0,
                histogram.GetMaxValue() / 1000.0);

        var scheduled = Volatile.Read(ref _scheduled);
        var sent = Sent;
        var succeeded = Succeeded;
        var failed = Failed;
        var late = Volatile.Read(ref _late);
        var window = Math.Max(elapsed.TotalSeconds, 1e-9);
        var lastBucket = Math.Min(_bucketSent.Length - 1, (int)Math.Max(0, Math.Ceiling(elapsed.TotalSeconds) - 1));
        var seconds = new List<SecondBucket>(lastBucket + 1);
        for (var s = 0; s <= lastBucket; s++)
        {
            var ok = Volatile.Read(ref _bucketSucceeded[s]);
            seconds.Add(new SecondBucket(
                s,
                Volatile.Read(ref _bucketSent[s]),
                ok,
                Volatile.Read(ref _bucketFailed[s]),
                ok == 0 ? 0 : Math.Round(TimeSpan.FromTicks(Volatile.Read(ref _bucketLatencyTicks[s]) / ok).TotalMilliseconds, 3),
                Volatile.Read(ref _bucketLate[s])));
        }

        return new LoadSummary(
            info.Url,
            info.Pattern,
            info.Duration.TotalSeconds,
            Math.Round(elapsed.TotalSeconds, 3),
            interrupted,
            scheduled,
            sent,
            succeeded,
            failed,
            Math.Max(0, scheduled - succeeded - failed),
            Sorted(_failures),
            Math.Round(scheduled / window, 2),
            Math.Round(sent / window, 2),
            latency,
            late,
            sent == 0 ? 0 : Math.Round((double)late / sent, 6),
            Sorted(_replicas),
            seconds);
    }

    private int Bucket(TimeSpan intended) =>
        (int)Math.Clamp(intended.Ticks / TimeSpan.TicksPerSecond, 0, _bucketSent.Length - 1);

    private void RecordReplica(string? instance)
    {
        if (!string.IsNullOrEmpty(instance))
        {
            Interlocked.Increment(ref _replicas.GetOrAdd(instance, static _ => new StrongBox<long>()).Value);
        }
    }

    private static SortedDictionary<string, long> Sorted(ConcurrentDictionary<string, StrongBox<long>> counts) =>
        new(counts.ToDictionary(kv => kv.Key, kv => Volatile.Read(ref kv.Value.Value)), StringComparer.Ordinal);
}
