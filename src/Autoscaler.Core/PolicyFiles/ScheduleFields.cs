using System.Globalization;
using Autoscaler.Core.Options;
using Autoscaler.Core.Time;
using Cronos;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>
/// <c>schedules:</c> of the native policy file: windows from a cron <c>start</c> to a cron <c>end</c> (or for a
/// <c>duration</c>), in a <c>timeZone</c>, that set <c>minReplicas</c> and/or <c>maxReplicas</c> while open. The
/// reader only maps; <see cref="Check"/> holds the rules, whatever format the windows came from.
/// </summary>
internal static class ScheduleFields
{
    public static void Read(YamlFields root, PolicySpec spec)
    {
        var windows = root.MappingList("schedules", to: nameof(PolicySpec.Schedules), max: (PolicySpec.MaxSchedules, "windows a policy may have"));
        for (var i = 0; i < windows.Count; i++)
        {
            var w = windows[i];
            spec.Schedules.Add(new ScheduleSpec
            {
                Name = w.String("name", to: nameof(ScheduleSpec.Name)) ?? string.Create(CultureInfo.InvariantCulture, $"schedules[{i}]"),
                Start = w.String("start", required: true, to: nameof(ScheduleSpec.Start)) ?? "",
                End = w.String("end", to: nameof(ScheduleSpec.End)),
                Duration = w.Duration("duration", to: nameof(ScheduleSpec.Duration)),
                TimeZone = w.String("timeZone", to: nameof(ScheduleSpec.TimeZone)) ?? ScheduleSpec.Utc,
                MinReplicas = w.Integer("minReplicas", to: nameof(ScheduleSpec.MinReplicas)),
                MaxReplicas = w.Integer("maxReplicas", to: nameof(ScheduleSpec.MaxReplicas)),
            });
            w.RejectUnknown();
        }
    }

    /// <summary>The rules on the windows: expressions that parse and occur, a known time zone, one way to close, bounds that fit.</summary>
    public static IEnumerable<RuleProblem> Check(PolicySpec spec)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Schedules.Count; i++)
        {
            var window = spec.Schedules[i];
            var at = string.Create(CultureInfo.InvariantCulture, $"{nameof(PolicySpec.Schedules)}[{i}].");
            foreach (var (field, problem) in OptionsCheck.Ranges(window))
            {
                yield return new RuleProblem(at + field, problem);
            }

            if (window.Name.Length > 0 && !names.Add(window.Name))
            {
                yield return new RuleProblem(at + nameof(ScheduleSpec.Name), $"'{window.Name}' is used by another window");
            }

            TimeZoneInfo? zone = null;
            string? zoneProblem = null;
            try
            {
                zone = TimeZoneInfo.FindSystemTimeZoneById(window.TimeZone);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                zoneProblem = $"'{window.TimeZone}' is not a time zone this system knows (an IANA name such as Europe/Berlin; on Debian they come from the tzdata package)";
            }

            if (zoneProblem is not null)
            {
                yield return new RuleProblem(at + nameof(ScheduleSpec.TimeZone), zoneProblem);
            }

            foreach (var (field, text) in new[] { (nameof(ScheduleSpec.Start), (string?)window.Start), (nameof(ScheduleSpec.End), window.End) })
            {
                if (text is { Length: > 0 } && Cron(text, zone) is { } problem)
                {
                    yield return new RuleProblem(at + field, problem);
                }
            }

            if (window.End is null && window.Duration is null)
            {
                yield return new RuleProblem(at + nameof(ScheduleSpec.End), "say when the window closes: end (a cron expression) or duration (e.g. 10h)");
            }
            else if (window.End is not null && window.Duration is not null)
            {
                yield return new RuleProblem(at + nameof(ScheduleSpec.Duration), "give end or duration, not both");
            }
            else if (window.Duration is { } d && d <= TimeSpan.Zero)
            {
                yield return new RuleProblem(at + nameof(ScheduleSpec.Duration), "must be longer than 0");
            }

            if (window.MinReplicas is null && window.MaxReplicas is null)
            {
                yield return new RuleProblem(at + nameof(ScheduleSpec.MinReplicas), "a window sets minReplicas, maxReplicas or both");
                continue;
            }

            // Each bound is checked against the other one in force while the window is open (its own, else the policy's).
            var min = window.MinReplicas ?? spec.MinReplicas;
            var max = window.MaxReplicas ?? spec.MaxReplicas;
            if (min > max)
            {
                yield return (window.MinReplicas, window.MaxReplicas) switch
                {
                    ({ }, { }) => new RuleProblem(at + nameof(ScheduleSpec.MinReplicas), $"{min} must not exceed {{{nameof(ScheduleSpec.MaxReplicas)}}} {max} of the same window"),
                    ({ }, null) => new RuleProblem(at + nameof(ScheduleSpec.MinReplicas), $"{min} exceeds the policy's maximum {max}; set maxReplicas in this window too"),
                    _ => new RuleProblem(at + nameof(ScheduleSpec.MaxReplicas), $"{max} is below the policy's minimum {min}; set minReplicas in this window too"),
                };
            }
        }
    }

    private static string? Cron(string text, TimeZoneInfo? zone)
    {
        CronExpression cron;
        try
        {
            cron = ScheduleSpec.ParseCron(text);
        }
        catch (CronFormatException e)
        {
            return $"'{text}' is not a cron expression ({e.Message.Replace("The given cron expression has an invalid format. ", "", StringComparison.Ordinal)}); e.g. \"0 8 * * 1-5\" (minute hour day-of-month month day-of-week)";
        }

        return zone is not null && cron.GetNextOccurrence(DateTimeOffset.UnixEpoch, zone) is null ? $"'{text}' never occurs" : null;
    }

    public static void Write(YamlMappingNode root, PolicySpec spec)
    {
        if (spec.Schedules.Count == 0)
        {
            return;
        }

        var list = new YamlSequenceNode();
        foreach (var w in spec.Schedules)
        {
            var node = new YamlMappingNode { { "name", YamlFields.Text(w.Name) }, { "start", YamlFields.Text(w.Start) } };
            if (w.End is { } end)
            {
                node.Add("end", YamlFields.Text(end));
            }

            if (w.Duration is { } duration)
            {
                node.Add("duration", Durations.Format(duration));
            }

            node.Add("timeZone", YamlFields.Text(w.TimeZone));
            if (w.MinReplicas is { } min)
            {
                node.Add("minReplicas", min.ToString(CultureInfo.InvariantCulture));
            }

            if (w.MaxReplicas is { } max)
            {
                node.Add("maxReplicas", max.ToString(CultureInfo.InvariantCulture));
            }

            list.Add(node);
        }

        root.Add("schedules", list);
    }
}
