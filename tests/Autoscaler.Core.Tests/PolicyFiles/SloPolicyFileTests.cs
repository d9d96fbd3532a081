using Autoscaler.Core.Metrics;
using Autoscaler.Core.Policies.Slo;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Queueing;
using Autoscaler.Core.ServiceModel;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Core.Tests.PolicyFiles;

public sealed class SloPolicyFileTests
{
    private const string Slo = """
        minReplicas: 1
        maxReplicas: 12
        checkInterval: 10s
        metrics:
          - name: rps
            query: sum(rate(webapp_request_count_total[15s]))
            slo:
              latency: 500ms
              statistic: p95
              maxErrorRate: 0.005
              workers: 8
              serviceTime: 50ms
              queueLimit: 40
              distribution: logNormal
              learn:
                utilization: avg(rate(webapp_busy_seconds_total[1m]) / webapp_workers)
                throughput: avg(rate(webapp_request_count_total[1m]))
                latency: histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[30s])) by (le))
              forecast: seasonalNaive
              seasonLength: 1d
              sampleInterval: 30s
              horizon: 25s
              headroomQuantile: 0.9
        """;

    [Fact]
    public void An_slo_rule_is_read_with_every_field_and_written_back_the_same()
    {
        var spec = PolicyFile.Parse(Slo);
        var metric = Assert.Single(spec.Metrics);
        var o = metric.Slo!;

        Assert.Equal("slo", metric.Rule);
        Assert.Equal((TimeSpan.FromMilliseconds(500), LatencyStatistic.P95, 0.005), (o.Latency, o.Statistic, o.MaxErrorRate));
        Assert.Equal((8, TimeSpan.FromMilliseconds(50), 40, ServiceTimeDistribution.LogNormal), (o.Workers, o.ServiceTime, o.QueueLimit, o.Distribution));
        Assert.Equal((SloForecast.SeasonalNaive, TimeSpan.FromDays(1), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(25), 0.9),
            (o.Forecast, o.SeasonLength, o.SampleInterval, o.Horizon, o.HeadroomQuantile));
        Assert.Equal(["rps.utilization", "rps.throughput", "rps.latency"], metric.Inputs.Select(i => i.Name));
        var written = PolicyFile.Write(spec);
        var back = Assert.Single(PolicyFile.Parse(written).Metrics);
        var b = back.Slo!;
        Assert.Equal(("rps", "slo", metric.Query), (back.Name, back.Rule, back.Query));
        Assert.Equal((o.Latency, o.Statistic, o.MaxErrorRate, o.Workers, o.ServiceTime, o.QueueLimit, o.Distribution),
            (b.Latency, b.Statistic, b.MaxErrorRate, b.Workers, b.ServiceTime, b.QueueLimit, b.Distribution));
        Assert.Equal((o.Learn.Utilization, o.Learn.Throughput, o.Learn.Latency), (b.Learn.Utilization, b.Learn.Throughput, b.Learn.Latency));
        Assert.Equal((o.Forecast, o.SeasonLength, o.SampleInterval, o.Horizon, o.HeadroomQuantile), (b.Forecast, b.SeasonLength, b.SampleInterval, b.Horizon, b.HeadroomQuantile));
        Assert.Equal(written, PolicyFile.Write(PolicyFile.Parse(written)));
    }

    [Fact]
    public void Without_a_behavior_section_an_slo_rule_scales_down_after_a_short_window_not_HPAs_five_minutes()
    {
        var spec = PolicyFile.Parse("metrics: [{name: rps, query: q, slo: {latency: 300ms, workers: 4, serviceTime: 100ms}}]");

        Assert.Equal(15, spec.EffectiveBehavior.ScaleDown.StabilizationWindowSeconds);
        Assert.Empty(spec.EffectiveBehavior.ScaleUp.Policies);
        Assert.Equal(SloForecast.Auto, spec.Metrics[0].Slo!.Forecast);
    }

    [Fact]
    public void The_pipeline_learns_from_the_inputs_it_names()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var spec = PolicyFile.Parse("""
            metrics:
              - name: rps
                query: q
                slo: {latency: 300ms, workers: 4, learn: {utilization: u, throughput: x}}
            """);
        var pipeline = spec.CreatePipeline(clock);
        var policy = Assert.IsType<SloPolicy>(Assert.Single(pipeline.Bindings).Policy);
        Assert.Equal([("rps.utilization", "u"), ("rps.throughput", "x")], pipeline.Inputs);

        MetricReading[] readings = [MetricReading.Ok("rps", 60), MetricReading.Ok("rps.utilization", 0.75), MetricReading.Ok("rps.throughput", 30)];
        pipeline.Learn(2, readings);
        Assert.True(double.IsNaN(policy.Snapshot.Capacity)); // the replica count has not held for a minute yet
        clock.Advance(TimeSpan.FromSeconds(60));
        pipeline.Learn(2, readings);
        var decision = pipeline.Decide(2, readings);

        Assert.InRange(policy.Snapshot.Capacity, 39.9, 40.1);
        Assert.Contains("capacity 40/s learnt", decision.Reason, StringComparison.Ordinal);
        Assert.True(decision.DesiredReplicas >= 2);
    }

    [Theory]
    [InlineData("slo: {latency: 50ms, workers: 4, serviceTime: 100ms}", ":4: metrics[0].slo.latency: 50ms (mean) cannot be met by any number of replicas: even an idle replica's mean latency is 100ms")]
    [InlineData("slo: {latency: 250ms, statistic: p95, workers: 4, serviceTime: 100ms}", ":4: metrics[0].slo.latency: 250ms (p95) cannot be met by any number of replicas: even an idle replica's p95 latency is 299.573ms (workers 4, serviceTime 100ms); raise it")]
    [InlineData("slo: {latency: -1s, workers: 4, serviceTime: 100ms}", ":4: metrics[0].slo.latency: '-1s' is not a duration")]
    [InlineData("slo: {latency: 300ms, maxErrorRate: -0.1, workers: 4, serviceTime: 100ms}", ":4: metrics[0].slo.maxErrorRate: -0.1 must be above 0 and below 1")]
    [InlineData("slo: {latency: 300ms, maxErrorRate: 0, workers: 4, serviceTime: 100ms}", ":4: metrics[0].slo.maxErrorRate: 0 must be above 0 and below 1 (0.01 = 1 %; every finite queue rejects some requests")]
    [InlineData("slo: {latency: 300ms, maxErrorRate: 1e-12, queueLimit: 0, workers: 1, serviceTime: 100ms}", ":4: metrics[0].slo.maxErrorRate: 1E-12 cannot be met by any number of replicas: with queueLimit 0 and workers 1, even a lightly loaded replica rejects more")]
    [InlineData("slo: {latency: 300ms, safeRate: 30, seasonLength: 1d}", ":4: metrics[0].slo.seasonLength: 86400s is only used with forecast: seasonalNaive or holtWinters (forecast: auto finds the season itself)")]
    [InlineData("slo: {latency: 300ms, safeRate: 30, forecast: none, seasonLength: 1d}", ":4: metrics[0].slo.seasonLength: 86400s is only used with forecast: seasonalNaive or holtWinters (forecast: none forecasts nothing)")]
    [InlineData("slo: {latency: 300ms, statistic: p99, workers: 4, serviceTime: 100ms}", ":4: metrics[0].slo.statistic: 'p99' is not one of Mean, P95")]
    [InlineData("slo: {workers: 4, serviceTime: 100ms}", ":4: metrics[0].slo.latency: is required")]
    [InlineData("slo: {latency: 300ms, serviceTime: 100ms}", ":4: metrics[0].slo.workers: is required (requests one replica serves at once), unless safeRate is declared")]
    [InlineData("slo: {latency: 300ms, workers: 4}", ":4: metrics[0].slo.serviceTime: is required unless learn.utilization and learn.throughput are given")]
    [InlineData("slo: {latency: 300ms, workers: 4, learn: {utilization: u}}", ":4: metrics[0].slo.learn: utilization and throughput are learnt together")]
    [InlineData("slo: {latency: 300ms, safeRate: 30, forecast: holtWinters}", ":4: metrics[0].slo.seasonLength: is required with forecast: holtWinters")]
    [InlineData("slo: {latency: 300ms, safeRate: 30, forecast: seasonalNaive, seasonLength: 95s}", ":4: metrics[0].slo.seasonLength: 95s must be a whole number of sampleInterval 10s")]
    [InlineData("slo: {latency: 300ms, safeRate: 30, forecast: arima}", ":4: metrics[0].slo.forecast: 'arima' is not one of Auto, SeasonalNaive, HoltWinters, None")]
    [InlineData("slo: {latency: 300ms, safeRate: 30, headroomQuantile: 0.2}", ":4: metrics[0].slo.headroomQuantile: 0.2 must be at least 0.5 and below 1")]
    [InlineData("slo: {latency: 300ms, safeRate: 30, season: 1d}", ":4: metrics[0].slo.season: unknown field")]
    public void Problems_name_the_line_and_the_field(string rule, string expected)
    {
        var e = Assert.Throws<PolicyFileException>(() => PolicyFile.Parse($"metrics:\n  - name: rps\n    query: q\n    {rule}\n", "p.yaml"));

        Assert.Contains(e.Problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("hpa", "metric 'rps' uses the slo rule, which a HorizontalPodAutoscaler cannot express; only target rules can be exported (it sizes for a service level; the closest target rule is target: {value: 36, type: AverageValue}")]
    [InlineData("keda", "metric 'rps' uses the slo rule, which KEDA cannot express; only target rules can be exported (it sizes for a service level; the closest target rule is target: {value: 36, type")]
    public void Export_refuses_an_slo_rule_and_names_the_closest_target_rule(string format, string expected)
    {
        var spec = PolicyFile.Parse("metrics: [{name: rps, query: q, slo: {latency: 300ms, workers: 4, serviceTime: 100ms}}]");

        var e = Assert.Throws<PolicyFileException>(() => format == "hpa" ? HpaFormat.Write(spec) : KedaFormat.Write(spec));

        Assert.StartsWith(expected, Assert.Single(e.Problems), StringComparison.Ordinal);
    }
}
