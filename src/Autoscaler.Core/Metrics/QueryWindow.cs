using System.Text.RegularExpressions;
using Autoscaler.Core.Time;

namespace Autoscaler.Core.Metrics;

/// <summary>
/// The time range a PromQL query looks back over: its longest range selector (<c>[30s]</c>) or subquery range
/// (<c>[5m:30s]</c>). A <c>rate()</c> over a window with missing scrapes reads low, so after an outage of the metrics
/// backend a reading is only whole again once this much time has passed.
/// </summary>
public static partial class QueryWindow
{
    /// <summary>The longest range in <paramref name="query"/>; zero when it has none (an instant query, a recording rule).</summary>
    public static TimeSpan Longest(string? query)
    {
        if (string.IsNullOrEmpty(query))
        {
            return TimeSpan.Zero;
        }

        // Strings may hold brackets (a label_replace regex); they are not ranges.
        var code = StringLiteral().Replace(query, "\"\"");
        var longest = TimeSpan.Zero;
        foreach (Match match in Range().Matches(code))
        {
            if (Durations.TryParse(match.Groups["range"].Value, out var range) && range > longest)
            {
                longest = range;
            }
        }

        return longest;
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`", RegexOptions.CultureInvariant)]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\[\s*(?<range>(?:\d+(?:ms|[smhdw]))+)\s*(?::[^\]]*)?\]", RegexOptions.CultureInvariant)]
    private static partial Regex Range();
}
