using Autoscaler.Core.Metrics;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Policies;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Core.Tests.PolicyFiles;

public sealed class PredictivePolicyFileTests
{
    private const string Predictive = """
        minReplicas: 1
        maxReplicas: 20
        checkInterval: 10s
        metrics:
          - name: rps
            query: sum(rate(webapp_request_count_total[1m]))
            predictive: {value: 30, seasonLength: 1d, sampleInterval: 5m, horizon: 40s, method: seasonalNaive, alpha: 0.4, beta: 0.05, gamma: 0.2, tolerance: 0.05, warmUpSeasons: 3}
        """;

    [Fact]
    public void A_predictive_rule_is_read_with_every_field()
    {
        var metric = Assert.Single(PolicyFile.Parse(Predictive).Metrics);
        var p = metric.Predictive!;

        Assert.Equal("predictive", metric.Rule);
        Assert.Equal((30, ForecastMethod.SeasonalNaive, TimeSpan.FromDays(1), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(40)),
            (p.Target, p.Method, p.SeasonLength, p.SampleInterval, p.Horizon));
        Assert.Equal((0.4, 0.05, 0.2, 0.05, 3), (p.Alpha, p.Beta, p.Gamma, p.Tolerance, p.WarmUpSeasons));
    }

    [Fact]
    public void Defaults_fill_in_and_writing_then_reading_gives_the_same_policy()
    {
        var spec = PolicyFile.Parse("metrics: [{name: rps, query: q, predictive: {value: 30}}]");
        var written = PolicyFile.Write(spec);

        Assert.Contains("""
              predictive:
                value: 30
                tolerance: 0.1
                method: holtWinters
                seasonLength: 86400s
                sampleInterval: 60s
                horizon: 60s
                alpha: 0.5
                beta: 0.1
                gamma: 0.3
                warmUpSeasons: 2
            """, written, StringComparison.Ordinal);
        Assert.Equal(written, PolicyFile.Write(PolicyFile.Parse(written)));
        Assert.Equal(300, spec.EffectiveBehavior.ScaleDown.StabilizationWindowSeconds); // HPA's defaults, as for target rules
    }

    [Fact]
    public void A_reactive_value_is_read_and_written_back()
    {
        var spec = PolicyFile.Parse("metrics: [{name: rps, query: q, predictive: {value: 30, reactiveValue: 36}}]");
        var written = PolicyFile.Write(spec);

        Assert.Equal(36, spec.Metrics[0].Predictive!.ReactiveTarget);
        Assert.Matches(@"value: 30\n +reactiveValue: 36\n +tolerance: 0.1\n", written.ReplaceLineEndings("\n"));
        Assert.Equal(written, PolicyFile.Write(PolicyFile.Parse(written)));
        Assert.Null(PolicyFile.Parse("metrics: [{name: rps, query: q, predictive: {value: 30}}]").Metrics[0].Predictive!.ReactiveTarget);
    }

    [Fact]
    public void The_pipeline_runs_the_predictive_policy_on_its_own_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var pipeline = PolicyFile.Parse(Predictive).CreatePipeline(clock);
        var policy = Assert.IsType<PredictivePolicy>(Assert.Single(pipeline.Bindings).Policy);

        var decision = pipeline.Decide(1, [MetricReading.Ok("rps", 95)]);

        Assert.Equal(4, decision.Recommendation); // ceil(95 / 30) while the forecast warms up
        Assert.Contains("forecast warming up", decision.Reason, StringComparison.Ordinal);
        Assert.Equal(0, policy.HistorySlots); // the first slot is still open
    }

    [Theory]
    [InlineData("predictive: {value: 30, seasonLength: 90s}", ":4: metrics[0].predictive.seasonLength: 90s must be a whole number of sampleInterval 60s")]
    [InlineData("predictive: {value: 30, seasonLength: 1h, horizon: 45m}", ":4: metrics[0].predictive.horizon: 2700s must be longer than 0s and at most half of seasonLength 3600s")]
    [InlineData("predictive: {value: 30, alpha: 0}", ":4: metrics[0].predictive.alpha: 0 must be above 0 and at most 1")]
    [InlineData("predictive: {value: 30, gamma: 2}", ":4: metrics[0].predictive.gamma: 2 must be between 0 and 1")]
    [InlineData("predictive: {value: 30, method: arima}", ":4: metrics[0].predictive.method: 'arima' is not one of HoltWinters, SeasonalNaive")]
    [InlineData("predictive: {value: 30, season: 1d}", ":4: metrics[0].predictive.season: unknown field")]
    [InlineData("predictive: {seasonLength: 1d}", ":4: metrics[0].predictive.value: is required")]
    [InlineData("predictive: {value: 30, reactiveValue: 20}", ":4: metrics[0].predictive.reactiveValue: 20 must be a number at least value 30")]
    [InlineData("predictive: {value: 30}\n    target: {value: 30}", "only one policy per metric, not target and predictive")]
    public void Problems_name_the_line_and_the_field(string rule, string expected)
    {
        var e = Assert.Throws<PolicyFileException>(() => PolicyFile.Parse($"metrics:\n  - name: rps\n    query: q\n    {rule}\n", "p.yaml"));

        Assert.Contains(e.Problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("hpa", "metric 'rps' uses the predictive rule, which a HorizontalPodAutoscaler cannot express; only target rules can be exported (it forecasts; its reactive half alone would be target: {value: 30, type: AverageValue})")]
    [InlineData("keda", "metric 'rps' uses the predictive rule, which KEDA cannot express")]
    public void Export_refuses_a_predictive_rule_and_names_its_reactive_half(string format, string expected)
    {
        var spec = PolicyFile.Parse(Predictive);

        var e = Assert.Throws<PolicyFileException>(() => format == "hpa" ? HpaFormat.Write(spec) : KedaFormat.Write(spec));

        Assert.StartsWith(expected, Assert.Single(e.Problems), StringComparison.Ordinal);
    }
}
