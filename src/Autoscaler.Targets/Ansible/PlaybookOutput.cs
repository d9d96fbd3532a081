using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Autoscaler.Targets.Ansible;

/// <summary>
/// Reads what <c>ansible-playbook</c> printed with the default stdout callback, no colour and JSON results:
/// the failing task and its message, the last task started, and the play recap.
/// </summary>
internal static partial class PlaybookOutput
{
    /// <summary>Why the run failed, in one line: the failing task and its message, or Ansible's own <c>ERROR!</c>; null when the output names nothing.</summary>
    public static string? Failure(IReadOnlyList<string> lines)
    {
        string? task = null;
        string? failure = null;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (TaskLine().Match(line) is { Success: true } t)
            {
                task = t.Groups["name"].Value;
                continue;
            }

            if (FailedLine().Match(line) is { Success: true } f && !IgnoredAfter(lines, i))
            {
                var host = f.Groups["host"].Value;
                var what = f.Groups["kind"].Value == "UNREACHABLE" ? "could not reach" : "failed on";
                var item = f.Groups["item"].Success ? $" (item {f.Groups["item"].Value})" : "";
                failure ??= $"task \"{task ?? "?"}\" {what} {host}{item}: {Message(f.Groups["json"].Value)}";
            }
        }

        if (failure is not null)
        {
            return failure;
        }

        var error = lines.Select((l, i) => (Line: l, Index: i)).FirstOrDefault(x => x.Line.StartsWith("ERROR! ", StringComparison.Ordinal));
        if (error.Line is null)
        {
            return null;
        }

        var where = lines.Skip(error.Index + 1).Take(10).Select(l => ErrorLocation().Match(l)).FirstOrDefault(m => m.Success);
        var text = error.Line["ERROR! ".Length..].Trim();
        return where is null ? text : $"{text} (at {where.Groups["file"].Value}:{where.Groups["line"].Value})";
    }

    /// <summary>The last task the run started, for a run that was cut off.</summary>
    public static string? LastTask(IReadOnlyList<string> lines) =>
        lines.Select(l => TaskLine().Match(l)).LastOrDefault(m => m.Success)?.Groups["name"].Value;

    /// <summary>The play recap summed over hosts, e.g. <c>ok=3 changed=1 failed=0</c>; null when there is none.</summary>
    public static (int Ok, int Changed, int Failed)? Recap(IReadOnlyList<string> lines)
    {
        var rows = lines.Select(l => RecapLine().Match(l)).Where(m => m.Success).ToList();
        if (rows.Count == 0)
        {
            return null;
        }

        int Sum(string group) => rows.Sum(m => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture));
        return (Sum("ok"), Sum("changed"), Sum("failed") + Sum("unreachable"));
    }

    private static bool IgnoredAfter(IReadOnlyList<string> lines, int index) =>
        index + 1 < lines.Count && lines[index + 1].TrimStart().StartsWith("...ignoring", StringComparison.Ordinal);

    /// <summary>The result's <c>msg</c>, with the command's stderr when there is one (a failed <c>command</c> says only "non-zero return code").</summary>
    private static string Message(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            var msg = root.TryGetProperty("msg", out var m) ? (m.ValueKind == JsonValueKind.String ? m.GetString()! : m.GetRawText()) : null;
            var detail = new[] { "stderr", "module_stderr" }
                .Select(k => root.TryGetProperty(k, out var s) && s.ValueKind == JsonValueKind.String ? LastLine(s.GetString()!) : null)
                .FirstOrDefault(s => !string.IsNullOrEmpty(s));
            return (msg, detail) switch
            {
                (null, null) => json,
                (null, _) => detail,
                (_, null) => OneLine(msg),
                _ => $"{OneLine(msg)}: {detail}",
            };
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string? LastLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();

    [GeneratedRegex(@"^TASK \[(?<name>.*)\] \**\s*$")]
    private static partial Regex TaskLine();

    // `fatal: [localhost]: FAILED! => {...}`, `fatal: [h]: UNREACHABLE! => {...}`, and a loop's `failed: [h] (item=x) => {...}`.
    [GeneratedRegex(@"^(?:fatal: \[(?<host>[^\]]+)\]: (?<kind>FAILED|UNREACHABLE)!|failed: \[(?<host>[^\]]+)\] \(item=(?<item>.*?)\)) => (?<json>\{.*\})\s*$")]
    private static partial Regex FailedLine();

    [GeneratedRegex(@"^(?<host>\S+)\s+:\s+ok=(?<ok>\d+)\s+changed=(?<changed>\d+)\s+unreachable=(?<unreachable>\d+)\s+failed=(?<failed>\d+)")]
    private static partial Regex RecapLine();

    [GeneratedRegex(@"The error appears to be in '(?<file>[^']+)': line (?<line>\d+)")]
    private static partial Regex ErrorLocation();
}
