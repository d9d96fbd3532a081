using System.Globalization;
using Autoscaler.Core.Time;
using Cronos;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>
/// <c>schedules:</c> of the native policy file: windows from a cron <c>start</c> to a cron <c>end</c> (or for a
/// <c>duration</c>), in a <c>timeZone</c>, that set <c>minReplicas</c> and/or <c>maxReplicas</c> while open.
/// </summary>
internal static class ScheduleFields
{
    public static void Read(YamlFields root, PolicySpec spec)
    {
        var windows = root.MappingList("schedules");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < windows.Count; i++)
        {
            var w = windows[i];
            var window = new ScheduleSpec
            {
                Name = w.String("name") ?? string.Create(CultureInfo.InvariantCulture, $"schedules[{i}]"),
                Start = w.String("start", required: true) ?? "",
                End = w.String("end"),
                Duration = w.Duration("duration"),
                TimeZone = w.String("timeZone") ?? "UTC",
                MinReplicas = w.Integer("minReplicas", 0, 10_000),
                MaxReplicas = w.Integer("maxReplicas", 1, 10_000),
            };
            w.RejectUnknown();
            if (!names.Add(window.Name))
            {
                w.Problem(w.Find("name") ?? w.Node, "name", $"'{window.Name}' is used by another window");
            }

            Check(w, window, spec);
            spec.Schedules.Add(window);
        }
    }

    private static void Check(YamlFields w, ScheduleSpec window, PolicySpec spec)
    {
        TimeZoneInfo? zone = null;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(window.TimeZone);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            w.Problem(w.Find("timeZone")!, "timeZone", $"'{window.TimeZone}' is not a time zone this system knows (an IANA name such as Europe/Berlin; on Debian they come from the tzdata package)");
        }

        var start = window.Start.Length > 0 ? Cron(w, "start", window.Start) : null;
        var end = window.End is { } e1 ? Cron(w, "end", e1) : null;
        if (zone is not null && start is not null && start.GetNextOccurrence(DateTimeOffset.UnixEpoch, zone) is null)
        {
            w.Problem(w.Find("start")!, "start", $"'{window.Start}' never occurs");
        }

        if (zone is not null && end is not null && end.GetNextOccurrence(DateTimeOffset.UnixEpoch, zone) is null)
        {
            w.Problem(w.Find("end")!, "end", $"'{window.End}' never occurs");
        }

        if (window.End is null == window.Duration is null)
        {
            w.Problem(w.Find("duration") ?? w.Node, "end|duration", window.End is null
                ? "say when the window closes: end (a cron expression) or duration (e.g. 10h)"
                : "give end or duration, not both");
        }
        else if (window.Duration is { } d && d <= TimeSpan.Zero)
        {
            w.Problem(w.Find("duration")!, "duration", "must be longer than 0");
        }

        if (window.MinReplicas is null && window.MaxReplicas is null)
        {
            w.Problem(w.Node, "minReplicas|maxReplicas", "a window sets minReplicas, maxReplicas or both");
        }

        // Each bound is checked against the other one in force while the window is open (its own, else the policy's).
        var min = window.MinReplicas ?? spec.MinReplicas;
        var max = window.MaxReplicas ?? spec.MaxReplicas;
        if (min > max && (window.MinReplicas is not null || window.MaxReplicas is not null))
        {
            var (field, message) = (window.MinReplicas, window.MaxReplicas) switch
            {
                ({ }, { }) => ("minReplicas", $"{min} must not exceed maxReplicas {max} of the same window"),
                ({ }, null) => ("minReplicas", $"{min} exceeds the policy's maxReplicas {max}; set maxReplicas in this window too"),
                _ => ("maxReplicas", $"{max} is below the policy's minReplicas {min}; set minReplicas in this window too"),
            };
            w.Problem(w.Find(field)!, field, message);
        }
    }

    private static CronExpression? Cron(YamlFields w, string field, string text)
    {
        try
        {
            return ScheduleSpec.ParseCron(text);
        }
        catch (CronFormatException e)
        {
            w.Problem(w.Find(field) ?? w.Node, field, $"'{text}' is not a cron expression ({e.Message.Replace("The given cron expression has an invalid format. ", "", StringComparison.Ordinal)}); e.g. \"0 8 * * 1-5\" (minute hour day-of-month month day-of-week)");
            return null;
        }
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
            var node = new YamlMappingNode { { "name", w.Name }, { "start", w.Start } };
            if (w.End is { } end)
            {
                node.Add("end", end);
            }

            if (w.Duration is { } duration)
            {
                node.Add("duration", Durations.Format(duration));
            }

            node.Add("timeZone", w.TimeZone);
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
