using Autoscaler.Core.Metrics;

namespace Autoscaler.Scaler;

/// <summary>A metric source whose every read is timed into <c>autoscaler_query_duration_seconds{metric}</c>.</summary>
internal sealed class TimedMetricSource(IMetricSource inner, ScalerTelemetry telemetry, TimeProvider time) : IMetricSource
{
    public string Name => inner.Name;

    public async ValueTask<MetricReading> ReadAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            return await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            telemetry.RecordQuery(inner.Name, time.GetElapsedTime(started));
        }
    }
}
