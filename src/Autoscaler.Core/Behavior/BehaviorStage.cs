using Autoscaler.Core.Policies;

namespace Autoscaler.Core.Behavior;

/// <summary>What the behavior stage made of a recommendation.</summary>
/// <param name="Replicas">The count after stabilization, rate limits and cooldowns (before clamping).</param>
/// <param name="Cause">The last step that changed the count (a <see cref="Pipeline.DecisionCauses"/> label); null when none did.</param>
public readonly record struct BehaviorOutcome(int Replicas, string? Cause);

/// <summary>Which step of the behavior stage (or the clamp) changed a count.</summary>
public enum AdjustmentKind
{
    /// <summary>The scale-up stabilization window (lowest recommendation) held it down.</summary>
    ScaleUpStabilization,

    /// <summary>The scale-down stabilization window (highest recommendation) held it up.</summary>
    ScaleDownStabilization,

    /// <summary>A scale-up rate-limit rule bounded it.</summary>
    ScaleUpLimit,

    /// <summary>A scale-down rate-limit rule bounded it.</summary>
    ScaleDownLimit,

    /// <summary>Scaling up is disabled.</summary>
    ScaleUpDisabled,

    /// <summary>Scaling down is disabled.</summary>
    ScaleDownDisabled,

    /// <summary>The cooldown after a scale-up held it.</summary>
    CooldownAfterUp,

    /// <summary>The cooldown after a scale-down held it.</summary>
    CooldownAfterDown,

    /// <summary>Raised to the minimum.</summary>
    RaisedToMin,

    /// <summary>Capped at the maximum.</summary>
    CappedAtMax,
}

/// <summary>
/// One step that changed the count: which, from what to what, and what bound it. A value, so the stage
/// allocates nothing per evaluation; <see cref="ToString"/> renders the phrase for logs and the decision record.
/// </summary>
/// <param name="Kind">Which step.</param>
/// <param name="From">The count before the step.</param>
/// <param name="To">The count after the step.</param>
/// <param name="Bound">The recommendation that bound a window, or the min/max of a clamp.</param>
/// <param name="Seconds">The window's length or the cooldown's length.</param>
/// <param name="Rule">The rate-limit rule that applied, when one did.</param>
/// <param name="Until">When a cooldown ends.</param>
/// <param name="Source">What set the min or max of a clamp when it was not the policy itself (<c>schedule NAME</c>).</param>
public readonly record struct BehaviorAdjustment(
    AdjustmentKind Kind, int From, int To, int Bound = 0, double Seconds = 0, ScalingRule? Rule = null, DateTimeOffset Until = default, string? Source = null)
{
    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        AdjustmentKind.ScaleUpStabilization => ScalingProposal.Say($"scale-up stabilization ({Seconds}s window, lowest recommendation {Bound}): {From} -> {To}"),
        AdjustmentKind.ScaleDownStabilization => ScalingProposal.Say($"scale-down stabilization ({Seconds}s window, highest recommendation {Bound}): {From} -> {To}"),
        AdjustmentKind.ScaleUpLimit => ScalingProposal.Say($"scale-up limit ({Describe(Rule, "up")}): {From} -> {To}"),
        AdjustmentKind.ScaleDownLimit => ScalingProposal.Say($"scale-down limit ({Describe(Rule, "down")}): {From} -> {To}"),
        AdjustmentKind.ScaleUpDisabled => ScalingProposal.Say($"scale-up limit (scale-up disabled): {From} -> {To}"),
        AdjustmentKind.ScaleDownDisabled => ScalingProposal.Say($"scale-down limit (scale-down disabled): {From} -> {To}"),
        AdjustmentKind.CooldownAfterUp => ScalingProposal.Say($"cooldown after scale-up ({Seconds:0.#}s, until {Until:HH:mm:ss}): {From} -> {To}"),
        AdjustmentKind.CooldownAfterDown => ScalingProposal.Say($"cooldown after scale-down ({Seconds:0.#}s, until {Until:HH:mm:ss}): {From} -> {To}"),
        AdjustmentKind.RaisedToMin => ScalingProposal.Say($"raised to min {Bound}{Of(Source)}"),
        AdjustmentKind.CappedAtMax => ScalingProposal.Say($"capped at max {Bound}{Of(Source)}"),
        _ => Kind.ToString(),
    };

    private static string Of(string? source) => source is null ? "" : $" ({source})";

    private static string Describe(ScalingRule? rule, string direction) => rule is null ? "none"
        : rule.Type == ScalingRuleType.Pods
            ? ScalingProposal.Say($"{rule.Value} pods per {rule.PeriodSeconds}s {direction}")
            : ScalingProposal.Say($"{rule.Value}% per {rule.PeriodSeconds}s {direction}");

}

/// <summary>
/// Kubernetes HPA's behavior semantics (stabilization windows over a recommendation history, Pods and
/// Percent rate limits over periods of recorded scale events, selectPolicy) plus Nomad-style cooldowns.
/// Stateful: it remembers recommendations and the actions it is told about. Not thread-safe; the scaler
/// evaluates one at a time. Allocation-free in steady state: histories are pruned in place.
/// </summary>
public sealed class BehaviorStage(ScalingBehavior behavior, TimeProvider time)
{
    // Longest period a rate-limit rule may have (HPA's limit), so older events can be forgotten.
    private static readonly TimeSpan EventMemory = TimeSpan.FromSeconds(1800);

    private readonly List<(DateTimeOffset Time, int Replicas)> _recommendations = [];
    private readonly List<(DateTimeOffset Time, int Change)> _upEvents = [];
    private readonly List<(DateTimeOffset Time, int Change)> _downEvents = [];
    private (DateTimeOffset Time, bool Up)? _lastAction;

    /// <summary>The settings in force.</summary>
    public ScalingBehavior Behavior => behavior;

    /// <summary>
    /// Applies the behavior to <paramref name="recommendation"/> at <paramref name="currentReplicas"/>, adding each
    /// step that changed the count to <paramref name="adjustments"/>.
    /// </summary>
    public BehaviorOutcome Apply(int currentReplicas, int recommendation, List<BehaviorAdjustment> adjustments)
    {
        var now = time.GetUtcNow();
        var stabilized = Stabilize(now, currentReplicas, recommendation, adjustments);
        var limited = RateLimit(now, currentReplicas, stabilized, adjustments);
        var cooled = Cooldown(now, currentReplicas, limited, adjustments);
        var cause = cooled != limited ? Pipeline.DecisionCauses.Cooldown
            : limited != stabilized ? Pipeline.DecisionCauses.RateLimit
            : stabilized != recommendation ? Pipeline.DecisionCauses.Stabilization
            : null;
        return new BehaviorOutcome(cooled, cause);
    }

    /// <summary>Tells the stage that the target really moved from <paramref name="from"/> to <paramref name="to"/> replicas now.</summary>
    public void Applied(int from, int to)
    {
        if (from == to)
        {
            return;
        }

        // Forget here too, not only when a limit is computed: moves a limit never looks at (a clamp to a schedule
        // window's bound, a pause) would otherwise pile up without end.
        var now = time.GetUtcNow();
        var events = to > from ? _upEvents : _downEvents;
        Forget(events, now - EventMemory);
        events.Add((now, Math.Abs(to - from)));

        _lastAction = (now, to > from);
    }

    // HPA: the raw recommendation is remembered; scaling up goes no higher than the lowest recommendation
    // in the up window, scaling down no lower than the highest in the down window.
    private int Stabilize(DateTimeOffset now, int current, int recommendation, List<BehaviorAdjustment> adjustments)
    {
        var upWindow = TimeSpan.FromSeconds(behavior.ScaleUp.StabilizationWindowSeconds);
        var downWindow = TimeSpan.FromSeconds(behavior.ScaleDown.StabilizationWindowSeconds);
        var keep = upWindow > downWindow ? upWindow : downWindow;
        Forget(_recommendations, now - keep);

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
                ? new BehaviorAdjustment(AdjustmentKind.ScaleUpStabilization, recommendation, result, upBound, behavior.ScaleUp.StabilizationWindowSeconds)
                : new BehaviorAdjustment(AdjustmentKind.ScaleDownStabilization, recommendation, result, downBound, behavior.ScaleDown.StabilizationWindowSeconds));
        }

        return result;
    }

    private int RateLimit(DateTimeOffset now, int current, int desired, List<BehaviorAdjustment> adjustments)
    {
        if (desired > current)
        {
            var (limit, kind, rule) = UpLimit(now, current);
            if (limit < current)
            {
                limit = current;
            }

            if (desired > limit)
            {
                adjustments.Add(new BehaviorAdjustment(kind, desired, limit, Rule: rule));
                return limit;
            }
        }
        else if (desired < current)
        {
            var (limit, kind, rule) = DownLimit(now, current);
            if (limit > current)
            {
                limit = current;
            }

            if (desired < limit)
            {
                adjustments.Add(new BehaviorAdjustment(kind, desired, limit, Rule: rule));
                return limit;
            }
        }

        return desired;
    }

    private (int Limit, AdjustmentKind Kind, ScalingRule? Rule) UpLimit(DateTimeOffset now, int current)
    {
        var rules = behavior.ScaleUp;
        if (rules.SelectPolicy == SelectPolicy.Disabled)
        {
            return (current, AdjustmentKind.ScaleUpDisabled, null);
        }

        if (rules.Policies.Count == 0)
        {
            return (int.MaxValue, AdjustmentKind.ScaleUpLimit, null);
        }

        int? best = null;
        ScalingRule? bestRule = null;
        foreach (var rule in rules.Policies)
        {
            var periodStart = current - Changes(_upEvents, now, rule.PeriodSeconds);
            var proposed = rule.Type == ScalingRuleType.Pods
                ? periodStart + rule.Value
                : (int)Math.Ceiling(periodStart * (1 + (rule.Value / 100.0)));
            if (best is null || (rules.SelectPolicy == SelectPolicy.Max ? proposed > best : proposed < best))
            {
                (best, bestRule) = (proposed, rule);
            }
        }

        return (best!.Value, AdjustmentKind.ScaleUpLimit, bestRule);
    }

    private (int Limit, AdjustmentKind Kind, ScalingRule? Rule) DownLimit(DateTimeOffset now, int current)
    {
        var rules = behavior.ScaleDown;
        if (rules.SelectPolicy == SelectPolicy.Disabled)
        {
            return (current, AdjustmentKind.ScaleDownDisabled, null);
        }

        if (rules.Policies.Count == 0)
        {
            return (int.MinValue, AdjustmentKind.ScaleDownLimit, null);
        }

        int? best = null;
        ScalingRule? bestRule = null;
        foreach (var rule in rules.Policies)
        {
            var periodStart = current + Changes(_downEvents, now, rule.PeriodSeconds);
            var proposed = rule.Type == ScalingRuleType.Pods
                ? periodStart - rule.Value
                : (int)(periodStart * (1 - (rule.Value / 100.0)));

            // Max allows the largest change, which for scaling down is the lowest count.
            if (best is null || (rules.SelectPolicy == SelectPolicy.Max ? proposed < best : proposed > best))
            {
                (best, bestRule) = (proposed, rule);
            }
        }

        return (best!.Value, AdjustmentKind.ScaleDownLimit, bestRule);
    }

    private int Cooldown(DateTimeOffset now, int current, int desired, List<BehaviorAdjustment> adjustments)
    {
        if (desired == current || _lastAction is not { } last)
        {
            return desired;
        }

        var cooldown = last.Up ? behavior.ScaleUp.Cooldown : behavior.ScaleDown.Cooldown;
        if (cooldown > TimeSpan.Zero && now < last.Time + cooldown)
        {
            adjustments.Add(new BehaviorAdjustment(last.Up ? AdjustmentKind.CooldownAfterUp : AdjustmentKind.CooldownAfterDown,
                desired, current, Seconds: cooldown.TotalSeconds, Until: last.Time + cooldown));
            return current;
        }

        return desired;
    }

    private static int Changes(List<(DateTimeOffset Time, int Change)> events, DateTimeOffset now, int periodSeconds)
    {
        Forget(events, now - EventMemory);
        var since = now - TimeSpan.FromSeconds(periodSeconds);
        var sum = 0;
        foreach (var (t, change) in events)
        {
            if (t > since)
            {
                sum += change;
            }
        }

        return sum;
    }

    // Entries are added in time order, so the expired ones are a prefix: drop it in place.
    private static void Forget<T>(List<(DateTimeOffset Time, T Value)> entries, DateTimeOffset upTo)
    {
        var expired = 0;
        while (expired < entries.Count && entries[expired].Time <= upTo)
        {
            expired++;
        }

        if (expired > 0)
        {
            entries.RemoveRange(0, expired);
        }
    }
}
