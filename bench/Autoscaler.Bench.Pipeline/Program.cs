using Autoscaler.Core.Behavior;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;

// One evaluation of the decision pipeline, without the Prometheus round trip: 3 metrics, full HPA behavior.
// Usage: dotnet run -c Release --project bench/Autoscaler.Bench.Pipeline -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(PipelineBenchmarks).Assembly).Run(args);

[MemoryDiagnoser]
public class PipelineBenchmarks
{
    private readonly ManualClock _clock = new();
    private DecisionPipeline _pipeline = null!;
    private MetricReading[] _readings = null!;
    private int _tick;

    [GlobalSetup]
    public void Setup()
    {
        _pipeline = new DecisionPipeline(
        [
            new PolicyBinding("avg_rt", new ThresholdPolicy(new ThresholdPolicyOptions())),
            new PolicyBinding("rps", new TargetPolicy(new TargetPolicyOptions { Target = 30, Type = TargetType.AverageValue })),
            new PolicyBinding("queue", new TargetPolicy(new TargetPolicyOptions { Target = 5 }), new MetricFailureHandling(3, 4)),
        ], new ScalingLimits { MinReplicas = 1, MaxReplicas = 50 }, _clock, ScalingBehavior.HpaDefaults);
        _readings = [MetricReading.Ok("avg_rt", 0.4), MetricReading.Ok("rps", 95), MetricReading.Ok("queue", 4.8)];
    }

    // Ten seconds per evaluation, as the scaler's default check interval, so histories stay realistic.

    /// <summary>The simulator's path: the count and the cause, no phrases.</summary>
    [Benchmark(Baseline = true)]
    public int Evaluate()
    {
        _clock.Advance(TimeSpan.FromSeconds(10));
        return _pipeline.Evaluate(3 + (_tick++ % 3), _readings).DesiredReplicas;
    }

    /// <summary>The scaler's path: the same evaluation plus the full decision record with its phrases.</summary>
    [Benchmark]
    public int Decide()
    {
        _clock.Advance(TimeSpan.FromSeconds(10));
        return _pipeline.Decide(3 + (_tick++ % 3), _readings).DesiredReplicas;
    }
}
