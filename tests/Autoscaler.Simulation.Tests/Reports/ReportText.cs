using System.Text.RegularExpressions;

namespace Autoscaler.Simulation.Tests.Reports;

/// <summary>What the report tests read out of report.html: a stretch between two markers, the embedded images, the table rows.</summary>
internal static partial class ReportText
{
    /// <summary>The text between the first <paramref name="start"/> and the next <paramref name="end"/>.</summary>
    public static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"no {start}");
        var to = text.IndexOf(end, from, StringComparison.Ordinal);
        Assert.True(to >= 0, $"no {end} after {start}");
        return text[(from + start.Length)..to];
    }

    /// <summary>The PNGs embedded as data: URIs, in order.</summary>
    public static List<byte[]> EmbeddedPngs(string html) => [.. DataUri().Matches(html).Select(m => Convert.FromBase64String(m.Groups[1].Value))];

    /// <summary>The table rows made of cells (not the heading rows).</summary>
    public static IEnumerable<string> Rows(string html) => TableRow().Matches(html).Select(m => m.Value);

    [GeneratedRegex("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"")]
    private static partial Regex DataUri();

    [GeneratedRegex("<tr[^>]*>(?:<td.*?</td>)+</tr>")]
    private static partial Regex TableRow();
}
