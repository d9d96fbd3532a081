using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.PolicyFiles;
using BenchmarkDotNet.Attributes;

/// <summary>
/// The <c>slo</c> rule in its pipeline (the rule's default behavior): <c>Evaluate</c>, the evaluation path the goal
/// bounds (under 10 µs, nothing allocated), and <c>Learn</c>, what runs beside it before each evaluation (capacity,
/// latency feedback, demand history, headroom, and every so often the period detection), on a 10-minute on/off
/// demand with its learning inputs, the clock advancing 10 s per call, after a warm day so the season is known.
/// Usage: dotnet run -c Release --project bench/Autoscaler.Bench.Pipeline -- --filter '*Slo*'
/// </summary>
[MemoryDiagnoser]
public class SloBenchmarks
{
    private readonly ManualClock _clock = new();
    private DecisionPipeline _pipeline = null!;
    private MetricReading[][] _cycle = null!;
    private int _tick;

    [GlobalSetup]
    public void Setup()
    {
        var spec = PolicyFile.Parse("""
            minReplicas: 1
            maxReplicas: 50
            metrics:
              - name: rps
                query: sum(rate(webapp_request_count_total[15s]))
                slo:
                  latency: 300ms
                  workers: 4
                  learn: {utilization: u, throughput: x, latency: l}
            """);
        _pipeline = spec.CreatePipeline(_clock);
        _cycle = new MetricReading[60][];
        for (var i = 0; i < _cycle.Length; i++)
        {
            var demand = i >= 36 ? 310 : 60;
            var replicas = i >= 36 ? 10 : 2;
            var perReplica = demand / (double)replicas;
            _cycle[i] =
            [
                MetricReading.Ok("rps", demand),
                MetricReading.Ok("rps.utilization", perReplica / 40),
                MetricReading.Ok("rps.throughput", perReplica),
                MetricReading.Ok("rps.latency", 0.12),
            ];
        }

        for (var i = 0; i < 8640; i++)
        {
            Learn();
        }
    }

    /// <summary>The evaluation path: proposal, behavior, clamp (10 s apart, so the stabilization history stays realistic).</summary>
    [Benchmark(Baseline = true)]
    public int Evaluate()
    {
        _clock.Advance(TimeSpan.FromSeconds(10));
        return _pipeline.Evaluate(3 + (++_tick % 3), _cycle[_tick % _cycle.Length]).DesiredReplicas;
    }

    /// <summary>Beside it, once per check: what the rule learns from the same readings.</summary>
    [Benchmark]
    public int Learn()
    {
        _clock.Advance(TimeSpan.FromSeconds(10));
        _pipeline.Learn(3, _cycle[++_tick % _cycle.Length]);
        return _tick;
    }
}
