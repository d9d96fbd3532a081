using System.Globalization;
using System.Text.Json.Serialization;
using Autoscaler.Core.Metrics;

namespace Autoscaler.Core.Policies;

/// <summary>Turns a proposal's numbers into its reason phrase; static instances keep proposals allocation-free.</summary>
/// <param name="proposal">The proposal to explain.</param>
public delegate string ProposalFormatter(in ScalingProposal proposal);

/// <summary>
/// What one policy would do with one metric's reading. The reason phrase is rendered only when asked for
/// (<see cref="Reason"/>), so the simulator's millions of evaluations allocate nothing for it.
/// </summary>
public readonly struct ScalingProposal
{
    private readonly ProposalFormatter? _why;

    /// <summary>A proposal whose reason is rendered by <paramref name="formatter"/> from the numbers given.</summary>
    /// <param name="policy">Name of the policy.</param>
    /// <param name="metric">Name of the metric it looked at.</param>
    /// <param name="replicas">The proposed count; null when the policy has no opinion (e.g. no value).</param>
    /// <param name="formatter">Renders the reason on demand.</param>
    /// <param name="value">The metric's value (or another number the formatter reads).</param>
    /// <param name="bound">The threshold or target it was compared with.</param>
    /// <param name="extra">A third number for the formatter (a ratio, a tolerance…).</param>
    /// <param name="failure">Why the metric had no value, when it had none.</param>
    /// <param name="context">
    /// An immutable object the formatter reads besides the numbers (e.g. what a learning policy knew when it proposed),
    /// so a reason rendered later still tells the state it was decided in.
    /// </param>
    public ScalingProposal(string policy, string metric, int? replicas, ProposalFormatter formatter,
        double value = 0, double bound = 0, double extra = 0, MetricFailureKind? failure = null, object? context = null)
    {
        (Policy, Metric, Replicas, _why, Value, Bound, Extra, Failure, Context) = (policy, metric, replicas, formatter, value, bound, extra, failure, context);
    }

    /// <summary>Name of the policy.</summary>
    public string Policy { get; }

    /// <summary>Name of the metric it looked at.</summary>
    public string Metric { get; }

    /// <summary>The replica count it proposes; null when it has no opinion (e.g. no value).</summary>
    public int? Replicas { get; }

    /// <summary>One phrase: why this count.</summary>
    public string Reason => _why?.Invoke(this) ?? "";

    /// <summary>The metric's value the proposal was made from (formatter input).</summary>
    [JsonIgnore]
    public double Value { get; }

    /// <summary>The threshold or target compared with (formatter input).</summary>
    [JsonIgnore]
    public double Bound { get; }

    /// <summary>A third formatter input (ratio, tolerance…).</summary>
    [JsonIgnore]
    public double Extra { get; }

    /// <summary>Why the metric had no value, when it had none.</summary>
    [JsonIgnore]
    public MetricFailureKind? Failure { get; }

    /// <summary>An immutable object the formatter reads besides the numbers (see the constructor).</summary>
    [JsonIgnore]
    public object? Context { get; }

    /// <summary>The phrase for a metric without a value, shared by the policies.</summary>
    public static ProposalFormatter NoValue { get; } = static (in p) => Say($"no value ({p.Failure})");

    /// <summary>Formats a phrase with the invariant culture.</summary>
    public static string Say(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override string ToString() => $"{Policy}({Metric}) -> {Replicas?.ToString(CultureInfo.InvariantCulture) ?? "none"}: {Reason}";
}

/// <summary>
/// A pure rule: current replica count and a metric reading in, a proposal out. Limits, cooldowns
/// and stabilization belong to the pipeline, never to a policy. Implementations on the simulator's path
/// should not allocate (use a static <see cref="ProposalFormatter"/> for the reason).
/// </summary>
public interface IScalingPolicy
{
    /// <summary>Name by which configuration picks the policy.</summary>
    string Name { get; }

    /// <summary>Proposes a replica count for <paramref name="reading"/> at <paramref name="currentReplicas"/>.</summary>
    ScalingProposal Propose(int currentReplicas, MetricReading reading);
}
