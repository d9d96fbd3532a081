using System.Runtime.CompilerServices;
using Autoscaler.Core.Metrics;
using Autoscaler.Simulation.Runner;

namespace Autoscaler.Simulation.Observation;

/// <summary>What one scrape of the (identical) ready replicas returned.</summary>
internal struct ScrapeSample
{
    public long Step;
    public int Replicas;
    public double ResponseTime;
    public double P95;
    public double Utilization;
    public double QueuePerReplica;

    /// <summary>The request counter summed over replicas (answered requests, rejected ones included).</summary>
    public double Counter;

    /// <summary>The request counter less the rejected-request counter, summed over replicas (requests accepted).</summary>
    public double AcceptedCounter;
}

/// <summary>
/// The scrapes of the last few windows, and the PromQL-like evaluation of an <see cref="ObservedMetric"/> over
/// them: <c>avg_over_time</c> averages the samples in (t − window, t], <c>rate</c> divides the counter's increase
/// between the first and last of them by the time between. No sample (no ready replica): no data, as an empty vector.
/// </summary>
internal sealed class ScrapeHistory
{
    private readonly ScrapeSample[] _ring;
    private readonly double _stepSeconds;
    private readonly long _seed;
    private int _head;
    private int _count;

    public ScrapeHistory(TimeSpan longestWindow, TimeSpan scrapeInterval, double stepSeconds, long seed)
    {
        var perWindow = (int)Math.Ceiling(longestWindow / scrapeInterval);
        _ring = new ScrapeSample[Math.Max(2, perWindow + 2)];
        _stepSeconds = stepSeconds;
        _seed = seed;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Record(in ScrapeSample sample)
    {
        _head = (_head + 1) % _ring.Length;
        _ring[_head] = sample;
        _count = Math.Min(_count + 1, _ring.Length);
    }

    /// <summary>The reading of <paramref name="metric"/> at step <paramref name="now"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public MetricReading Read(ObservedMetric metric, ulong noiseStream, long now)
    {
        var windowSteps = metric.Window.TotalSeconds / _stepSeconds;
        double sum = 0;
        var samples = 0;
        ScrapeSample first = default, last = default;
        for (var i = 0; i < _count; i++)
        {
            ref readonly var s = ref _ring[(_head - i + _ring.Length) % _ring.Length];
            if (metric.Window > TimeSpan.Zero && now - s.Step >= windowSteps)
            {
                break;
            }

            if (samples == 0)
            {
                last = s;
            }

            first = s;
            samples++;
            sum += Value(metric, s);
            if (metric.Window == TimeSpan.Zero)
            {
                break;
            }
        }

        double value;
        if (metric.Kind is ObservedKind.RequestRate or ObservedKind.AcceptedRate)
        {
            if (samples < 2 || last.Step == first.Step)
            {
                return MetricReading.Failed(metric.Name, MetricFailureKind.NoData, "fewer than two scrapes in the window");
            }

            value = metric.Kind == ObservedKind.RequestRate
                ? (last.Counter - first.Counter) / ((last.Step - first.Step) * _stepSeconds)
                : (last.AcceptedCounter - first.AcceptedCounter) / ((last.Step - first.Step) * _stepSeconds);
            if (metric.Aggregation == ObservedAggregation.Avg)
            {
                value /= last.Replicas;
            }
        }
        else if (samples == 0)
        {
            return MetricReading.Failed(metric.Name, MetricFailureKind.NoData, "no scrape in the window");
        }
        else
        {
            value = sum / samples;
        }

        var noise = metric.Noise;
        if (noise > 0)
        {
            value *= Math.Max(0, 1 + (noise * CounterRandom.Normal(_seed, noiseStream, now)));
        }

        return MetricReading.Ok(metric.Name, value);
    }

    private static double Value(ObservedMetric metric, in ScrapeSample s)
    {
        var perReplica = metric.Kind switch
        {
            ObservedKind.ResponseTime => s.ResponseTime,
            ObservedKind.P95ResponseTime => s.P95,
            ObservedKind.Utilization => s.Utilization,
            ObservedKind.QueueLength => s.QueuePerReplica,
            _ => 0,
        };

        // Replicas are identical, so the mean over them is any one's value; latencies are never summed.
        return metric.Aggregation == ObservedAggregation.Sum && metric.Kind is ObservedKind.QueueLength or ObservedKind.Utilization
            ? perReplica * s.Replicas
            : perReplica;
    }
}
