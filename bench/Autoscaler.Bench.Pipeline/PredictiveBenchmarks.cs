using Autoscaler.Core.Metrics;
using Autoscaler.Core.Policies;
using BenchmarkDotNet.Attributes;

/// <summary>
/// One million proposals of the predictive policy, one per 10 s of virtual time (about 116 days), on a daily
/// wave in 1-minute slots: the simulator's load for a long scenario.
/// Usage: dotnet run -c Release --project bench/Autoscaler.Bench.Pipeline -- --filter '*Predictive*'
/// </summary>
[MemoryDiagnoser]
public class PredictiveBenchmarks
{
    private const int Calls = 1_000_000;
    private readonly MetricReading[] _readings = new MetricReading[8640];

    [Params(ForecastMethod.HoltWinters, ForecastMethod.SeasonalNaive)]
    public ForecastMethod Method { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < _readings.Length; i++)
        {
            _readings[i] = MetricReading.Ok("rps", 300 + (250 * Math.Sin(2 * Math.PI * i / _readings.Length)));
        }
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    public long MillionProposals()
    {
        var clock = new ManualClock();
        var policy = new PredictivePolicy(new PredictivePolicyOptions { Target = 30, Method = Method, Horizon = TimeSpan.FromSeconds(40) }, clock);
        var sum = 0L;
        for (var i = 0; i < Calls; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(10));
            sum += policy.Propose(10, _readings[i % _readings.Length]).Replicas ?? 0;
        }

        return sum;
    }
}
