using Autoscaler.Core.Policies;
using Autoscaler.Core.Policies.Slo;
using Autoscaler.Core.Time;
using Autoscaler.Prometheus.Api;

namespace Autoscaler.Prometheus.History;

/// <summary>What warming a predictive policy from Prometheus did.</summary>
/// <param name="Points">Values fed into the policy's history.</param>
/// <param name="From">Start of the range read.</param>
/// <param name="Step">Resolution of the range read.</param>
/// <param name="Problem">Why nothing could be read (the policy starts cold); null when the read worked, even with no data.</param>
public sealed record WarmUpResult(int Points, DateTimeOffset From, TimeSpan Step, string? Problem)
{
    /// <summary>True when the read worked (possibly with no data).</summary>
    public bool Succeeded => Problem is null;
}

/// <summary>Fills a <see cref="PredictivePolicy"/>'s or an <see cref="SloPolicy"/>'s history at scaler start with its metric's recent past.</summary>
public static class PredictiveWarmUp
{
    /// <summary>
    /// Reads <paramref name="query"/> over the last <see cref="PredictivePolicyOptions.WarmUpSeasons"/> seasons, every
    /// sample interval (coarser when that would take more than one call of <see cref="RangeSeries.MaxPointsPerCall"/> points), one point in the middle of each
    /// history slot, and seeds the policy with it. Never throws for Prometheus's problems: they come back in
    /// <see cref="WarmUpResult.Problem"/> and the policy simply stays cold.
    /// </summary>
    public static Task<WarmUpResult> WarmAsync(
        PredictivePolicy policy, string query, PrometheusClient client, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var options = policy.Options;
        return SeedAsync(policy.Seed, options.SeasonLength * options.WarmUpSeasons, options.SampleInterval, query, client, time, cancellationToken);
    }

    /// <summary>
    /// Reads the <c>slo</c> rule's demand query over the last <see cref="SloPolicy.WarmUpSpan"/> (two of its longest
    /// season, so a season can be found at once) the same way, and seeds its history; nothing when it does not forecast.
    /// </summary>
    public static Task<WarmUpResult> WarmAsync(
        SloPolicy policy, string query, PrometheusClient client, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return SeedAsync(policy.Seed, policy.WarmUpSpan, policy.Options.SampleInterval, query, client, time, cancellationToken);
    }

    private static async Task<WarmUpResult> SeedAsync(
        Func<IEnumerable<(DateTimeOffset Time, double Value)>, int> seed, TimeSpan span, TimeSpan slot, string query, PrometheusClient client, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow();
        if (span <= TimeSpan.Zero)
        {
            return new WarmUpResult(0, now, slot, null);
        }

        var step = slot;
        if (span / step > RangeSeries.MaxPointsPerCall - 1)
        {
            // Whole seconds, so the step Prometheus is sent is exactly the one computed.
            step = TimeSpan.FromSeconds(Math.Ceiling(span.TotalSeconds / (RangeSeries.MaxPointsPerCall - 1)));
        }

        // The middle of the slot where the range starts: live values average over a slot, so a point in the middle is the fairest sample of it.
        var first = now - span;
        var from = new DateTimeOffset((first.UtcTicks / slot.Ticks * slot.Ticks) + (slot.Ticks / 2), TimeSpan.Zero);
        if (from < first)
        {
            from += slot;
        }

        var result = await RangeSeries.FetchAsync(client, query, from, now, step, cancellationToken).ConfigureAwait(false);
        if (result.Problem is { } problem)
        {
            return new WarmUpResult(0, from, step, problem);
        }

        var taken = seed(result.Points.Select(p => (p.Timestamp, p.Value)));
        return new WarmUpResult(taken, from, step, null);
    }

    /// <summary>One line for the log: what was read, or why the policy starts cold.</summary>
    public static string Describe(string metric, PredictivePolicy policy, WarmUpResult result)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(result);
        if (result.Problem is { } problem)
        {
            return $"predictive policy for metric '{metric}' starts cold: cannot read its history from Prometheus: {problem}";
        }

        var state = policy.IsWarm ? "warm" : $"not warm yet ({policy.HistorySlots} of {policy.Options.SlotsPerSeason} samples of a season)";
        return $"predictive policy for metric '{metric}' read {result.Points} values of its history since {RangeSeries.Show(result.From)} every {Durations.Format(result.Step)}: {state}";
    }

    /// <summary>One line for the log: what the <c>slo</c> rule read and the season it found, or why it starts cold.</summary>
    public static string Describe(string metric, SloPolicy policy, WarmUpResult result)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(result);
        if (result.Problem is { } problem)
        {
            return $"slo policy for metric '{metric}' starts cold: cannot read its history from Prometheus: {problem}";
        }

        var season = policy.Snapshot.Season is { } s ? $"season {Durations.Format(s)} found" : "no season found yet (reactive until one is)";
        return $"slo policy for metric '{metric}' read {result.Points} values of its history since {RangeSeries.Show(result.From)} every {Durations.Format(result.Step)}: {season}";
    }
}
