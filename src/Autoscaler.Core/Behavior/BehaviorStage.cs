using System.Globalization;

namespace Autoscaler.Core.Behavior;

/// <summary>What the behavior stage made of a recommendation, and each step that changed it.</summary>
/// <param name="Replicas">The count after stabilization, rate limits and cooldowns (before clamping).</param>
/// <param name="Adjustments">One phrase per step that changed the count, e.g. which window or rule bound it.</param>
/// <param name="Cause">The last step that changed the count (a <see cref="Pipeline.DecisionCauses"/> label); null when none did.</param>
public sealed record BehaviorOutcome(int Replicas, IReadOnlyList<string> Adjustments, string? Cause);

/// <summary>
/// Kubernetes HPA's behavior semantics (stabilization windows over a recommendation history, Pods and
/// Percent rate limits over periods of recorded scale events, selectPolicy) plus Nomad-style cooldowns.
/// Stateful: it remembers recommendations and the actions it is told about. Not thread-safe; the scaler
/// evaluates one at a time.
/// </summary>
public sealed class BehaviorStage(ScalingBehavior behavior, TimeProvider time)
{
    private readonly List<(DateTimeOffset Time, int Replicas)> _recommendations = [];
    private readonly List<(DateTimeOffset Time, int Change)> _upEvents = [];
    private readonly List<(DateTimeOffset Time, int Change)> _downEvents = [];
    private (DateTimeOffset Time, bool Up)? _lastAction;

    /// <summary>The settings in force.</summary>
    public ScalingBehavior Behavior => behavior;

    /// <summary>Applies the behavior to <paramref name="recommendation"/> at <paramref name="currentReplicas"/>.</summary>
    public BehaviorOutcome Apply(int currentReplicas, int recommendation)
    {
        var now = time.GetUtcNow();
        var adjustments = new List<string>();
        var stabilized = Stabilize(now, currentReplicas, recommendation, adjustments);
        var limited = RateLimit(now, currentReplicas, stabilized, adjustments);
        var cooled = Cooldown(now, currentReplicas, limited, adjustments);
        var cause = cooled != limited ? Pipeline.DecisionCauses.Cooldown
            : limited != stabilized ? Pipeline.DecisionCauses.RateLimit
            : stabilized != recommendation ? Pipeline.DecisionCauses.Stabilization
            : null;
        return new BehaviorOutcome(cooled, adjustments, cause);
    }

    /// <summary>Tells the stage that the target really moved from <paramref name="from"/> to <paramref name="to"/> replicas now.</summary>
    public void Applied(int from, int to)
    {
        if (from == to)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (to > from)
        {
            _upEvents.Add((now, to - from));
        }
        else
        {
            _downEvents.Add((now, from - to));
        }

        _lastAction = (now, to > from);
    }

    // HPA: the raw recommendation is remembered; scaling up goes no higher than the lowest recommendation
    // in the up window, scaling down no lower than the highest in the down window.
    private int Stabilize(DateTimeOffset now, int current, int recommendation, List<string> adjustments)
    {
        var upWindow = TimeSpan.FromSeconds(behavior.ScaleUp.StabilizationWindowSeconds);
        var downWindow = TimeSpan.FromSeconds(behavior.ScaleDown.StabilizationWindowSeconds);
        var keep = upWindow > downWindow ? upWindow : downWindow;
        _recommendations.RemoveAll(r => r.Time <= now - keep);

        int upBound = recommendation, downBound = recommendation;
        foreach (var (t, replicas) in _recommendations)
        {
            if (t > now - upWindow)
            {
                upBound = Math.Min(upBound, replicas);
            }

            if (t > now - downWindow)
            {
                downBound = Math.Max(downBound, replicas);
            }
        }

        _recommendations.Add((now, recommendation));
        var result = current;
        if (result < upBound)
        {
            result = upBound;
        }

        if (result > downBound)
        {
            result = downBound;
        }

        if (result != recommendation)
        {
            adjustments.Add(recommendation > current
                ? Say($"scale-up stabilization ({behavior.ScaleUp.StabilizationWindowSeconds}s window, lowest recommendation {upBound}): {recommendation} -> {result}")
                : Say($"scale-down stabilization ({behavior.ScaleDown.StabilizationWindowSeconds}s window, highest recommendation {downBound}): {recommendation} -> {result}"));
        }

        return result;
    }

    private int RateLimit(DateTimeOffset now, int current, int desired, List<string> adjustments)
    {
        if (desired > current)
        {
            var (limit, rule) = UpLimit(now, current);
            if (limit < current)
            {
                limit = current;
            }

            if (desired > limit)
            {
                adjustments.Add(Say($"scale-up limit ({rule}): {desired} -> {limit}"));
                return limit;
            }
        }
        else if (desired < current)
        {
            var (limit, rule) = DownLimit(now, current);
            if (limit > current)
            {
                limit = current;
            }

            if (desired < limit)
            {
                adjustments.Add(Say($"scale-down limit ({rule}): {desired} -> {limit}"));
                return limit;
            }
        }

        return desired;
    }

    private (int Limit, string Rule) UpLimit(DateTimeOffset now, int current)
    {
        var rules = behavior.ScaleUp;
        if (rules.SelectPolicy == SelectPolicy.Disabled)
        {
            return (current, "scale-up disabled");
        }

        if (rules.Policies.Count == 0)
        {
            return (int.MaxValue, "none");
        }

        int? best = null;
        var bestRule = "";
        foreach (var rule in rules.Policies)
        {
            var periodStart = current - Changes(_upEvents, now, rule.PeriodSeconds);
            var proposed = rule.Type == ScalingRuleType.Pods
                ? periodStart + rule.Value
                : (int)Math.Ceiling(periodStart * (1 + (rule.Value / 100.0)));
            if (best is null || (rules.SelectPolicy == SelectPolicy.Max ? proposed > best : proposed < best))
            {
                (best, bestRule) = (proposed, Describe(rule, "up"));
            }
        }

        return (best!.Value, bestRule);
    }

    private (int Limit, string Rule) DownLimit(DateTimeOffset now, int current)
    {
        var rules = behavior.ScaleDown;
        if (rules.SelectPolicy == SelectPolicy.Disabled)
        {
            return (current, "scale-down disabled");
        }

        if (rules.Policies.Count == 0)
        {
            return (int.MinValue, "none");
        }

        int? best = null;
        var bestRule = "";
        foreach (var rule in rules.Policies)
        {
            var periodStart = current + Changes(_downEvents, now, rule.PeriodSeconds);
            var proposed = rule.Type == ScalingRuleType.Pods
                ? periodStart - rule.Value
                : (int)(periodStart * (1 - (rule.Value / 100.0)));

            // Max allows the largest change, which for scaling down is the lowest count.
            if (best is null || (rules.SelectPolicy == SelectPolicy.Max ? proposed < best : proposed > best))
            {
                (best, bestRule) = (proposed, Describe(rule, "down"));
            }
        }

        return (best!.Value, bestRule);
    }

    private int Cooldown(DateTimeOffset now, int current, int desired, List<string> adjustments)
    {
        if (desired == current || _lastAction is not { } last)
        {
            return desired;
        }

        var cooldown = last.Up ? behavior.ScaleUp.Cooldown : behavior.ScaleDown.Cooldown;
        if (cooldown > TimeSpan.Zero && now < last.Time + cooldown)
        {
            adjustments.Add(Say($"cooldown after scale-{(last.Up ? "up" : "down")} ({cooldown.TotalSeconds:0.#}s, until {last.Time + cooldown:HH:mm:ss}): {desired} -> {current}"));
            return current;
        }

        return desired;
    }

    private static int Changes(List<(DateTimeOffset Time, int Change)> events, DateTimeOffset now, int periodSeconds)
    {
        var since = now - TimeSpan.FromSeconds(periodSeconds);
        var sum = 0;
        foreach (var (t, change) in events)
        {
            if (t > since)
            {
                sum += change;
            }
        }

        events.RemoveAll(e => e.Time <= now - TimeSpan.FromSeconds(1800));
        return sum;
    }

    private static string Describe(ScalingRule rule, string direction) =>
        rule.Type == ScalingRuleType.Pods
            ? Say($"{rule.Value} pods per {rule.PeriodSeconds}s {direction}")
            : Say($"{rule.Value}% per {rule.PeriodSeconds}s {direction}");

    private static string Say(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
