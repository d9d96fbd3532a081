using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Prometheus.Api;
using Autoscaler.Prometheus.Metrics;

namespace Autoscaler.Cli.Composition;

/// <summary>
/// The live scaler's binding of a policy's reads (<see cref="ScalingStep.Build"/>): a PromQL query is read from
/// Prometheus; a <c>fixed</c> rule's empty query reads nothing.
/// </summary>
internal static class MetricSources
{
    public static Func<MetricRead, IMetricSource> From(PrometheusClient client) =>
        read => read.Query.Length > 0 ? new PrometheusMetricSource(read.Name, read.Query, client) : new NothingToRead(read.Name);
}
