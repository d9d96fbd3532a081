using Autoscaler.Core.Metrics;
using Autoscaler.Prometheus.Api;

namespace Autoscaler.Prometheus.Metrics;

/// <summary>A metric read by one PromQL query that must yield one number (e.g. <c>avg(avg_over_time(webapp_response_time_seconds[30s]))</c>).</summary>
public sealed class PrometheusMetricSource(string name, string query, PrometheusClient client) : IMetricSource
{
    /// <inheritdoc />
    public string Name { get; } = name;

    /// <summary>The PromQL expression evaluated at every read.</summary>
    public string Query { get; } = query;

    /// <inheritdoc />
    public async ValueTask<MetricReading> ReadAsync(CancellationToken cancellationToken)
    {
        var result = await client.QueryScalarAsync(Query, cancellationToken).ConfigureAwait(false);
        return result.ToReading(Name);
    }
}
