using Autoscaler.Core.PolicyFiles;
using Autoscaler.Simulation.Workloads;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Simulation.Scenarios;

/// <summary>Where a workload is read: the scenario's directory (for trace files) and its seed (for noise).</summary>
/// <param name="BaseDirectory">Relative trace paths start here.</param>
/// <param name="Seed">The scenario's random seed.</param>
/// <param name="Depth">How deep inside poisson and sum the workload being read is (0 at the top).</param>
internal sealed record WorkloadContext(string BaseDirectory, int Seed, int Depth = 0)
{
    /// <summary>The context of a pattern nested one level further in.</summary>
    public WorkloadContext Inner => this with { Depth = Depth + 1 };
}

/// <summary>
/// Reads a scenario's <c>workload:</c> mapping, <c>{type: NAME, …parameters}</c>, into a rate pattern. Nested
/// workloads (<c>poisson</c>'s <c>of</c>, <c>sum</c>'s <c>of</c> list) are read by <see cref="Parse"/> in turn.
/// </summary>
internal static class WorkloadSpec
{
    /// <summary>The pattern <paramref name="w"/> describes, or null after recording its problems in <paramref name="w"/>.</summary>
    public static IRatePattern? Parse(YamlFields w, WorkloadContext context)
    {
        if (context.Depth > RatePatterns.MaxNesting)
        {
            w.Problem(w.Node, "of", $"workloads nest more than {RatePatterns.MaxNesting} deep inside poisson and sum, the most the tool takes");
            return null;
        }

        var type = w.String("type", required: true);
        IRatePattern? pattern = null;
        try
        {
            pattern = type switch
            {
                null => null,
                RatePatterns.Constant => Rate(w, "rate") is { } rate ? new ConstantRate(rate) : null,
                RatePatterns.Step => Step(w),
                RatePatterns.Ramp => Ramp(w),
                RatePatterns.Spike => Spike(w),
                RatePatterns.Sine => Sine(w),
                RatePatterns.Trace => Trace(w, context),
                RatePatterns.Diurnal => Diurnal(w),
                RatePatterns.Poisson => Poisson(w, context),
                RatePatterns.Sum => Sum(w, context),
                _ => Unknown(w, type),
            };
        }
        catch (InvalidWorkloadException e)
        {
            w.Problem(w.Node, "type", e.Message);
        }

        w.RejectUnknown();
        return pattern;
    }

    /// <summary>A workload written in <c>autoscaler load --pattern</c>'s textual syntax, e.g. <c>poisson(diurnal(min=20, max=200))</c>.</summary>
    public static IRatePattern? ParseText(YamlFields root, string key, string text, WorkloadContext context)
    {
        try
        {
            return RatePatterns.Parse(text, context.BaseDirectory);
        }
        catch (InvalidWorkloadException e)
        {
            root.Problem(root.Find(key)!, key, e.Message);
            return null;
        }
    }

    private static IRatePattern? Diurnal(YamlFields w)
    {
        var min = Rate(w, "min", required: false) ?? 0;
        var max = Rate(w, "max");
        var peak = w.Number("peak", 0, 24) ?? 15;
        var weekend = w.Number("weekend", 0) ?? 1;
        var day = Time(w, "day");
        return max is { } m ? new DiurnalRate(min, m, peak, weekend, day) : null;
    }

    private static IRatePattern? Poisson(YamlFields w, WorkloadContext context)
    {
        var seed = w.Integer("seed") ?? context.Seed;
        var bucket = Time(w, "bucket") ?? TimeSpan.FromSeconds(1);
        var inner = w.Mapping("of", required: true) is { } of ? Parse(of, context.Inner) : null;
        return inner is not null ? new PoissonNoise(inner, seed, bucket) : null;
    }

    private static IRatePattern? Sum(YamlFields w, WorkloadContext context)
    {
        var items = w.MappingList("of", required: true);
        if (w.Find("of") is YamlSequenceNode { Children.Count: 0 } empty)
        {
            w.Problem(empty, "of", "is empty; list the workloads to add up, e.g. [{type: sine, …}, {type: spike, …}]");
        }

        var parts = items.Select(item => Parse(item, context.Inner)).ToList();
        return parts.Count > 0 && parts.All(p => p is not null) ? new SumRate(parts!) : null;
    }

    private static IRatePattern? Unknown(YamlFields w, string type)
    {
        w.Problem(w.Find("type")!, "type", $"'{type}' is not a workload; use one of {string.Join(", ", RatePatterns.All)}");
        return null;
    }

    private static double? Rate(YamlFields w, string key, bool required = true) => w.Number(key, 0, RatePatterns.MaxRate, required);

    private static TimeSpan? Length(YamlFields w, string key, bool required = true)
    {
        if (!w.Has(key))
        {
            if (required)
            {
                w.Problem(w.Node, key, "is required (a duration such as 30s or 5m)");
            }

            return null;
        }

        return Time(w, key);
    }

    /// <summary>A duration within <see cref="RatePatterns.MaxDuration"/>.</summary>
    internal static TimeSpan? Time(YamlFields w, string key) => w.Duration(key, max: RatePatterns.MaxDuration, maxText: RatePatterns.MaxDurationText);

    private static IRatePattern? Step(YamlFields w)
    {
        var node = w.Find("steps");
        switch (node)
        {
            case null:
                w.Problem(w.Node, "steps", "is required: '0s=20,3m=90' or a list of {at, rate}");
                return null;
            case YamlScalarNode { Value: { } text }:
                try
                {
                    return StepRate.Parse(text);
                }
                catch (InvalidWorkloadException e)
                {
                    w.Problem(node, "steps", e.Message);
                    return null;
                }

            case YamlSequenceNode:
                var points = new List<RatePoint>();
                var ok = true;
                foreach (var item in w.MappingList("steps"))
                {
                    var at = Length(item, "at");
                    var rate = Rate(item, "rate");
                    item.RejectUnknown();
                    if (at is { } a && rate is { } r)
                    {
                        points.Add(new RatePoint(a, r));
                    }
                    else
                    {
                        ok = false;
                    }
                }

                if (!ok)
                {
                    return null;
                }

                try
                {
                    return new StepRate(points);
                }
                catch (InvalidWorkloadException e)
                {
                    w.Problem(node, "steps", e.Message);
                    return null;
                }

            default:
                w.Problem(node, "steps", "must be '0s=20,3m=90' or a list of {at, rate}");
                return null;
        }
    }

    private static IRatePattern? Ramp(YamlFields w)
    {
        var (from, to, over) = (Rate(w, "from"), Rate(w, "to"), Length(w, "over"));
        return from is { } f && to is { } t && over is { } o ? new RampRate(f, t, o) : null;
    }

    private static IRatePattern? Spike(YamlFields w)
    {
        var (baseRate, peak, at, length) = (Rate(w, "base"), Rate(w, "peak"), Length(w, "at"), Length(w, "length"));
        return baseRate is { } b && peak is { } p && at is { } a && length is { } l ? new SpikeRate(b, p, a, l) : null;
    }

    private static IRatePattern? Sine(YamlFields w)
    {
        var (mean, amplitude, period) = (Rate(w, "mean"), Rate(w, "amplitude"), Length(w, "period"));
        return mean is { } m && amplitude is { } a && period is { } p ? new SineRate(m, a, p) : null;
    }

    private static IRatePattern? Trace(YamlFields w, WorkloadContext context)
    {
        var file = w.String("file", required: true);
        var scale = w.Number("timeScale", 1e-9, 1e9) ?? 1;
        var rateScale = w.Number("rateScale") ?? 1;
        if (rateScale <= 0)
        {
            w.Problem(w.Find("rateScale")!, "rateScale", $"{RateChecks.Show(rateScale)} must be above 0 (it multiplies every rate: 2 doubles them)");
            return null;
        }

        if (file is null)
        {
            return null;
        }

        try
        {
            return TraceRate.Load(Path.GetFullPath(file, context.BaseDirectory), scale, rateScale);
        }
        catch (InvalidWorkloadException e)
        {
            w.Problem(w.Find("file")!, "file", e.Message);
            return null;
        }
    }
}
