using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Autoscaler.Core.Policies.Slo;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Prometheus.Api;
using Autoscaler.Prometheus.History;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Composition;

/// <summary>At scaler start, fills every predictive and slo policy's history from Prometheus; a failure only means starting cold.</summary>
internal static class PredictiveWarmUps
{
    public static async Task WarmAsync(DecisionPipeline pipeline, PolicySpec policy, PrometheusClient client, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        foreach (var binding in pipeline.Bindings)
        {
            if (policy.Metrics.FirstOrDefault(m => m.Name == binding.Metric) is not { Query.Length: > 0 } metric)
            {
                continue;
            }

            WarmUpResult result;
            string line;
            switch (binding.Policy)
            {
                case PredictivePolicy predictive:
                    result = await PredictiveWarmUp.WarmAsync(predictive, metric.Query, client, time, cancellationToken);
                    line = PredictiveWarmUp.Describe(metric.Name, predictive, result);
                    break;
                case SloPolicy slo when slo.WarmUpSpan > TimeSpan.Zero:
                    result = await PredictiveWarmUp.WarmAsync(slo, metric.Query, client, time, cancellationToken);
                    line = PredictiveWarmUp.Describe(metric.Name, slo, result);
                    break;
                default:
                    continue;
            }

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
