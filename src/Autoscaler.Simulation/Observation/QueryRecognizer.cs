using System.Text.RegularExpressions;
using Autoscaler.Core.Policies;
using Autoscaler.Core.Time;

namespace Autoscaler.Simulation.Observation;

/// <summary>
/// Maps the PromQL queries the project ships (and their close variants) to simulated metrics, so a policy file
/// written for the live scaler runs unchanged. Whitespace is ignored.
/// </summary>
internal static partial class QueryRecognizer
{
    private static readonly (Regex Pattern, ObservedKind Kind)[] Shapes =
    [
        (ResponseTime(), ObservedKind.ResponseTime),
        (RequestRate(), ObservedKind.RequestRate),
        (GatewayRequestRate(), ObservedKind.RequestRate),
        (AcceptedRate(), ObservedKind.AcceptedRate),
        (QueueLength(), ObservedKind.QueueLength),
        (QueueLengthInstant(), ObservedKind.QueueLength),
        (P95ByLe(), ObservedKind.P95ResponseTime),
        (P95SumBy(), ObservedKind.P95ResponseTime),
        (BusyShare(), ObservedKind.Utilization),
        (BusyShareOfSums(), ObservedKind.Utilization),
    ];

    /// <summary>The queries this recognizes, for error messages and docs.</summary>
    public static IReadOnlyList<string> Examples { get; } =
    [
        ThresholdPolicyOptions.DefaultQuery,
        "sum(rate(webapp_request_count_total[30s]))",
        "sum(irate(gateway_requests_total[30s]))",
        "avg(rate(webapp_request_count_total[1m]) - rate(webapp_rejected_requests_total[1m])) (or sum)",
        "avg(avg_over_time(webapp_queue_length[30s])) (or sum, or without avg_over_time)",
        "histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[30s])) by (le))",
        "avg(rate(webapp_busy_seconds_total[1m]) / webapp_workers) (or sum(rate(webapp_busy_seconds_total[1m])) / sum(webapp_workers))",
    ];

    /// <summary>The simulated metric <paramref name="query"/> stands for, or null when it is not one this knows.</summary>
    public static ObservedMetric? Recognize(string name, string query, double noise)
    {
        var text = Whitespace().Replace(query, "");
        foreach (var (pattern, kind) in Shapes)
        {
            var match = pattern.Match(text);
            if (!match.Success)
            {
                continue;
            }

            var window = TimeSpan.Zero;
            if (match.Groups["w"].Success && !Durations.TryParse(match.Groups["w"].Value, out window))
            {
                return null;
            }

            // A share of sums (total busy over total workers) is the mean share: replicas are identical.
            var aggregation = match.Groups["agg"].Value == "sum" && kind != ObservedKind.Utilization ? ObservedAggregation.Sum : ObservedAggregation.Avg;
            return new ObservedMetric(name, kind, window, aggregation, noise);
        }

        return null;
    }

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^(?<agg>avg)\(avg_over_time\(webapp_response_time_seconds\[(?<w>[0-9a-z.]+)\]\)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex ResponseTime();

    [GeneratedRegex(@"^(?<agg>sum|avg)\(i?rate\(webapp_request_count_total\[(?<w>[0-9a-z.]+)\]\)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex RequestRate();

    // Every request the gateway answered: what reached the replicas plus what it turned away itself, which the model
    // never does (it has no gateway limit), so the replicas' arrivals.
    // gateway_requests_received_total counts them as they arrive (held ones too); the model holds none, so the same.
    [GeneratedRegex(@"^(?<agg>sum)\(i?rate\(gateway_requests(_received)?_total\[(?<w>[0-9a-z.]+)\]\)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex GatewayRequestRate();

    [GeneratedRegex(@"^(?<agg>sum|avg)\(avg_over_time\(webapp_queue_length\[(?<w>[0-9a-z.]+)\]\)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex QueueLength();

    [GeneratedRegex(@"^(?<agg>sum|avg)\(webapp_queue_length\)$", RegexOptions.CultureInvariant)]
    private static partial Regex QueueLengthInstant();

    [GeneratedRegex(@"^histogram_quantile\(0\.95,sum\(rate\(http_request_duration_seconds_bucket\[(?<w>[0-9a-z.]+)\]\)\)by\(le\)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex P95ByLe();

    [GeneratedRegex(@"^histogram_quantile\(0\.95,sumby\(le\)\(rate\(http_request_duration_seconds_bucket\[(?<w>[0-9a-z.]+)\]\)\)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex P95SumBy();

    [GeneratedRegex(@"^(?<agg>avg)\(i?rate\(webapp_busy_seconds_total\[(?<w>[0-9a-z.]+)\]\)/webapp_workers\)$", RegexOptions.CultureInvariant)]
    private static partial Regex BusyShare();

    [GeneratedRegex(@"^(?<agg>sum)\(i?rate\(webapp_busy_seconds_total\[(?<w>[0-9a-z.]+)\]\)\)/sum\(webapp_workers\)$", RegexOptions.CultureInvariant)]
    private static partial Regex BusyShareOfSums();

    [GeneratedRegex(@"^(?<agg>sum|avg)\(i?rate\(webapp_request_count_total\[(?<w>[0-9a-z.]+)\]\)-i?rate\(webapp_rejected_requests_total\[\k<w>\]\)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex AcceptedRate();
}
