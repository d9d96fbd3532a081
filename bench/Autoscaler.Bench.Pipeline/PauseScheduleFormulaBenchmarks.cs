using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.PolicyFiles;
using BenchmarkDotNet.Attributes;

/// <summary>
/// What schedules, formulas and a pause add to one evaluation, against the same pipeline without them
/// (<c>Plain</c>: three target metrics, HPA's behavior). <c>Schedule</c> adds two windows, one open; <c>Formula</c>
/// replaces the three rules by one target on a formula over the three metrics (a ternary, <c>max</c>, arithmetic);
/// <c>Paused</c> is the plain pipeline paused. The clock advances 10 s per call, inside the open window throughout.
/// Usage: dotnet run -c Release --project bench/Autoscaler.Bench.Pipeline -- --filter '*PauseScheduleFormula*'
/// </summary>
[MemoryDiagnoser]
public class PauseScheduleFormulaBenchmarks
{
    private const string Metrics = """
        minReplicas: 1
        maxReplicas: 50
        metrics:
          - {name: rps, query: a, target: {value: 30, type: AverageValue}}
          - {name: queue, query: b, target: {value: 5}}
          - {name: avg_rt, query: c, target: {value: 0.3}}
        """;

    private const string Windows = """
        schedules:
          - {name: day, start: "0 0 * * *", duration: 23h, minReplicas: 2, maxReplicas: 40}
          - {name: night, start: "0 23 * * *", duration: 1h, maxReplicas: 10}
        """;

    private const string Inputs = """
        minReplicas: 1
        maxReplicas: 50
        metrics:
          - {name: rps, query: a}
          - {name: queue, query: b}
          - {name: avg_rt, query: c}
        formula:
          expression: "avg_rt > 0.5 ? max(rps / 30, queue / 5) * 1.5 : max(rps / 30, queue / 5)"
          target: {value: 1, type: AverageValue}
        """;

    private readonly ManualClock _clock = new();
    private readonly MetricReading[] _readings = [MetricReading.Ok("rps", 95), MetricReading.Ok("queue", 4.8), MetricReading.Ok("avg_rt", 0.4)];
    private DecisionPipeline _plain = null!;
    private DecisionPipeline _schedule = null!;
    private DecisionPipeline _formula = null!;
    private DecisionPipeline _paused = null!;
    private int _tick;

    [GlobalSetup]
    public void Setup()
    {
        _plain = PolicyFile.Parse(Metrics).CreatePipeline(_clock);
        _schedule = PolicyFile.Parse(Metrics + "\n" + Windows).CreatePipeline(_clock);
        _formula = PolicyFile.Parse(Inputs).CreatePipeline(_clock);
        _paused = PolicyFile.Parse(Metrics + "\npausedReplicas: 4").CreatePipeline(_clock);
    }

    [Benchmark(Baseline = true)]
    public int Plain() => Step(_plain);

    [Benchmark]
    public int Schedule() => Step(_schedule);

    [Benchmark]
    public int Formula() => Step(_formula);

    [Benchmark]
    public int Paused() => Step(_paused);

    private int Step(DecisionPipeline pipeline)
    {
        // Ten seconds per call, wrapped within the day so the open window stays open.
        _clock.Advance(TimeSpan.FromSeconds(10));
        if (_clock.GetUtcNow().TimeOfDay > TimeSpan.FromHours(22))
        {
            _clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
        }

        return pipeline.Evaluate(3 + (_tick++ % 3), _readings).DesiredReplicas;
    }
}
