using Autoscaler.Core.Metrics;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Prometheus.Api;
using Autoscaler.Prometheus.Metrics;

namespace Autoscaler.Cli.Composition;

/// <summary>
/// One metric source per metric of a policy (its PromQL query, or nothing to read for a <c>fixed</c> rule), then one
/// per extra input a rule learns from (the <c>slo</c> rule's <c>learn</c> queries).
/// </summary>
internal static class MetricSources
{
    public static IReadOnlyList<IMetricSource> For(PolicySpec policy, PrometheusClient client) =>
        [
            .. policy.Metrics.Select(m => m.Query.Length > 0
                ? new PrometheusMetricSource(m.Name, m.Query, client)
                : (IMetricSource)new NothingToRead(m.Name)),
            .. policy.Metrics.SelectMany(m => m.Inputs).Select(i => new PrometheusMetricSource(i.Name, i.Query, client)),
        ];

    /// <summary>A fixed rule reads nothing; its reading is always a plain 0 so it never counts as a failed metric.</summary>
    private sealed class NothingToRead(string name) : IMetricSource
    {
        public string Name => name;

        public ValueTask<MetricReading> ReadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(MetricReading.Ok(name, 0));
    }
}
