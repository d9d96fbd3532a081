using Autoscaler.Core.Forecasting;
using BenchmarkDotNet.Attributes;

/// <summary>
/// One period detection over 100,000 samples of 15 s (17 days), the largest series the simulator hands over,
/// searching 5 minutes to 7 days: a noisy daily wave, and a 10 minute on/off cycle (which needs the finer band).
/// Usage: dotnet run -c Release --project bench/Autoscaler.Bench.Pipeline -- --filter '*PeriodDetector*'
/// </summary>
[MemoryDiagnoser]
public class PeriodDetectorBenchmarks
{
    private static readonly TimeSpan Spacing = TimeSpan.FromSeconds(15);
    private double[] _values = null!;

    [Params("daily", "tenMinutes")]
    public string Shape { get; set; } = "daily";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _values = new double[100_000];
        for (var i = 0; i < _values.Length; i++)
        {
            var t = i * Spacing;
            var noise = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            _values[i] = (Shape == "daily" ? 120 + (100 * Math.Sin(2 * Math.PI * t.TotalDays)) : t.TotalMinutes % 10 < 4 ? 250 : 40) + (10 * noise);
        }
    }

    [Benchmark]
    public TimeSpan? Detect() => PeriodDetector.Detect(_values, Spacing, TimeSpan.FromMinutes(5), TimeSpan.FromDays(7)).Primary;
}
