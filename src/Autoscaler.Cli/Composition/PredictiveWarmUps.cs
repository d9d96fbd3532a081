using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Prometheus.Api;
using Autoscaler.Prometheus.History;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Composition;

/// <summary>At scaler start, fills every predictive policy's history from Prometheus; a failure only means starting cold.</summary>
internal static class PredictiveWarmUps
{
    public static async Task WarmAsync(DecisionPipeline pipeline, PolicySpec policy, PrometheusClient client, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        foreach (var binding in pipeline.Bindings)
        {
            if (binding.Policy is not PredictivePolicy predictive
                || policy.Metrics.FirstOrDefault(m => m.Name == binding.Metric) is not { Query.Length: > 0 } metric)
            {
                continue;
            }

            var result = await PredictiveWarmUp.WarmAsync(predictive, metric.Query, client, time, cancellationToken);
            var line = PredictiveWarmUp.Describe(metric.Name, predictive, result);
            if (result.Succeeded)
            {
                logger.LogInformation("{WarmUp}", line);
            }
            else
            {
                logger.LogWarning("{WarmUp}", line);
            }
        }
    }
}
