using System.Text.RegularExpressions;
using Autoscaler.Core.Queueing;
using Autoscaler.Simulation.Reports;
using Autoscaler.Simulation.Results;
using Autoscaler.Testing;
using SkiaSharp;

namespace Autoscaler.Simulation.Tests.Reports;

public sealed partial class HtmlReportTests
{
    private static readonly string[] s_charts =
        [HtmlReport.DemandAndReplicasChartFileName, HtmlReport.LatencyChartFileName, HtmlReport.CostChartFileName];

    // The first policy after the oracle is drawn in the palette's first colour.
    private static readonly SKColor s_firstPolicyColour = SKColor.Parse("#1f77b4");

    [Fact]
    public void Write_creates_a_missing_directory_and_writes_decodable_charts_of_the_stated_size()
    {
        using var temp = new TempDirectory();
        var directory = Path.Combine(temp.Path, "runs", "today");

        HtmlReport.Write(SyntheticResults.Make(), directory);

        Assert.Equal(
            s_charts.Append(HtmlReport.ReportFileName).Order(StringComparer.Ordinal),
            Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var chart in s_charts)
        {
            var bytes = File.ReadAllBytes(Path.Combine(directory, chart));
            Assert.True(Png.HasSignature(bytes), $"{chart} does not start with the PNG signature");
            Assert.True(bytes.Length > 4_000, $"{chart} is only {bytes.Length} bytes");
            Assert.Equal((1000, 560), Png.Dimensions(bytes));
            Assert.True(Png.CountPixelsNear(bytes, s_firstPolicyColour) > 500, $"{chart} does not show the first policy's colour");
        }
    }

    [Fact]
    public void The_charts_carry_text_when_a_font_is_installed()
    {
        RequireFont();
        using var temp = new TempDirectory();

        HtmlReport.Write(SyntheticResults.Make(), temp.Path);

        // Titles, axis labels, ticks and legend are dark grey to black; lines and bars are coloured.
        foreach (var chart in s_charts)
        {
            var dark = Png.CountPixelsNear(File.ReadAllBytes(temp.File(chart)), new SKColor(0x20, 0x20, 0x20), tolerance: 40);
            Assert.True(dark > 1_000, $"{chart} has only {dark} dark pixels: its text did not render");
        }
    }

    [Fact]
    public void The_report_is_one_self_contained_file_with_the_charts_embedded()
    {
        using var temp = new TempDirectory();

        HtmlReport.Write(SyntheticResults.Make(), temp.Path);
        var html = File.ReadAllText(temp.File(HtmlReport.ReportFileName));

        Assert.DoesNotContain("src=\"http", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https:", html, StringComparison.OrdinalIgnoreCase);

        var embedded = DataUri().Matches(html).Select(m => Convert.FromBase64String(m.Groups[1].Value)).ToList();
        Assert.Equal(s_charts.Length, embedded.Count);
        for (var i = 0; i < s_charts.Length; i++)
        {
            Assert.Equal(File.ReadAllBytes(temp.File(s_charts[i])), embedded[i]);
        }
    }

    [Fact]
    public void The_report_states_the_run_and_every_score_of_every_policy()
    {
        using var temp = new TempDirectory();
        var result = SyntheticResults.Make(durationSeconds: 3 * 86_400 + 7_200);

        HtmlReport.Write(result, temp.Path);
        var html = File.ReadAllText(temp.File(HtmlReport.ReportFileName));

        Assert.Contains("<dt>scenario</dt><dd>diurnal</dd>", html, StringComparison.Ordinal);
        Assert.Contains("<dt>seed</dt><dd>42</dd>", html, StringComparison.Ordinal);
        Assert.Contains("<dt>duration</dt><dd>3 d 2 h (266,400 s) at a 1 s step</dd>", html, StringComparison.Ordinal);
        Assert.Contains("<dt>SLO</dt><dd>p95 latency ≤ 250 ms and errors ≤ 1 %</dd>", html, StringComparison.Ordinal);
        Assert.Contains("<dt>cost per replica-hour</dt><dd>0.05</dd>", html, StringComparison.Ordinal);

        // Row of "hpa" (k = 2 in SyntheticResults.Score), in the column order of the table.
        string[] hpa =
        [
            "hpa", "120,000", "3.25", "1.250", "60", "1.00", "2,000", "12", "70.0", "140.0", "3.00", "7.00", "5.00", "38.00", "3.25",
        ];
        Assert.Equal(hpa, Row(html, "hpa").Select(c => c.Text));
        foreach (var policy in result.Policies)
        {
            Assert.Equal(hpa.Length, Row(html, policy.Score.Policy).Count);
        }
    }

    [Fact]
    public void The_best_value_of_each_column_is_highlighted_among_the_policies_the_oracle_is_measured_against()
    {
        using var temp = new TempDirectory();

        HtmlReport.Write(SyntheticResults.Make(), temp.Path);
        var html = File.ReadAllText(temp.File(HtmlReport.ReportFileName));

        // threshold (k = 1) is best everywhere but θO and τO, where predictive (k = 3) is; instability is a tie.
        var threshold = Row(html, "threshold");
        var predictive = Row(html, "predictive");
        var hpa = Row(html, "hpa");
        Assert.True(threshold[1].Best, "threshold's replica-seconds should be highlighted");
        Assert.False(threshold[11].Best, "threshold's θO should not be highlighted");
        Assert.True(predictive[11].Best, "predictive's θO should be highlighted");
        Assert.True(predictive[13].Best, "predictive's τO should be highlighted");
        Assert.True(hpa[14].Best && threshold[14].Best && predictive[14].Best, "a tie is highlighted in every row");
        Assert.DoesNotContain(Row(html, "oracle"), c => c.Best);
    }

    [Fact]
    public void Strings_from_the_input_are_html_encoded()
    {
        using var temp = new TempDirectory();
        const string Name = "a<b>&\"c\"";

        HtmlReport.Write(SyntheticResults.Make(["oracle", Name], scenario: "<script>alert(1)</script>"), temp.Path);
        var html = File.ReadAllText(temp.File(HtmlReport.ReportFileName));

        Assert.Contains("<td>a&lt;b&gt;&amp;&quot;c&quot;</td>", html, StringComparison.Ordinal);
        Assert.DoesNotContain(Name, html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mean_latency_slo_draws_the_mean_and_the_report_says_so()
    {
        using var temp = new TempDirectory();

        HtmlReport.Write(SyntheticResults.Make(statistic: LatencyStatistic.Mean), temp.Path);

        Assert.Contains("<dd>mean latency ≤ 250 ms", File.ReadAllText(temp.File(HtmlReport.ReportFileName)), StringComparison.Ordinal);
        Assert.True(Png.HasSignature(File.ReadAllBytes(temp.File(HtmlReport.LatencyChartFileName))));
    }

    [Fact]
    public void Writing_again_replaces_the_files_and_leaves_no_temporary_file()
    {
        using var temp = new TempDirectory();
        HtmlReport.Write(SyntheticResults.Make(scenario: "scenario-alpha"), temp.Path);

        HtmlReport.Write(SyntheticResults.Make(scenario: "scenario-beta"), temp.Path);

        var html = File.ReadAllText(temp.File(HtmlReport.ReportFileName));
        Assert.Contains("scenario-beta", html, StringComparison.Ordinal);
        Assert.DoesNotContain("scenario-alpha", html, StringComparison.Ordinal);
        Assert.Equal(4, Directory.GetFiles(temp.Path).Length);
    }

    [Fact]
    public void Runs_without_points_long_series_and_latencies_without_requests_still_render()
    {
        using var temp = new TempDirectory();
        var longSeries = SyntheticResults.Series(50_000, 30 * 86_400.0);
        longSeries[100] = longSeries[100] with { MeanLatencySeconds = double.NaN, P95LatencySeconds = double.NaN };
        var result = SyntheticResults.Make(["threshold"]) with
        {
            Policies =
            [
                new PolicyRun(SyntheticResults.Score("empty", 0), []),
                new PolicyRun(SyntheticResults.Score("long", 1) with { CostRatioToOracle = double.NaN }, longSeries),
            ],
        };

        HtmlReport.Write(result, temp.Path);

        foreach (var chart in s_charts)
        {
            Assert.Equal((1000, 560), Png.Dimensions(File.ReadAllBytes(temp.File(chart))));
        }

        Assert.Equal("–", Row(File.ReadAllText(temp.File(HtmlReport.ReportFileName)), "long")[3].Text);
    }

    [Fact]
    public void A_directory_that_cannot_be_created_gives_an_io_error_naming_it()
    {
        using var temp = new TempDirectory();
        var file = temp.File("not-a-directory");
        File.WriteAllText(file, "x");
        var directory = Path.Combine(file, "report");

        var error = Assert.Throws<ReportOutputException>(() => HtmlReport.Write(SyntheticResults.Make(), directory));

        Assert.IsAssignableFrom<IOException>(error);
        Assert.Contains($"'{directory}'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void A_path_that_is_a_file_gives_an_io_error_naming_it_and_leaves_the_file_alone()
    {
        using var temp = new TempDirectory();
        var file = temp.File("taken");
        File.WriteAllText(file, "x");

        var error = Assert.Throws<ReportOutputException>(() => HtmlReport.Write(SyntheticResults.Make(), file));

        Assert.Contains($"'{file}'", error.Message, StringComparison.Ordinal);
        Assert.Equal("x", File.ReadAllText(file));
    }

    private static void RequireFont()
    {
        // Without a font file Skia still lists one family, with an empty name.
        if (SKFontManager.Default.FontFamilies.Any(family => !string.IsNullOrEmpty(family)))
        {
            return;
        }

        const string Message = "no font is installed for the charts' text; install one with `apt-get install fonts-dejavu-core`";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(Message);
        }

        Assert.Skip(Message);
    }

    private static List<(string Text, bool Best)> Row(string html, string policy)
    {
        var encoded = System.Net.WebUtility.HtmlEncode(policy);
        var row = TableRow().Matches(html).Select(m => m.Value).Single(r => r.Contains($"<td>{encoded}</td>", StringComparison.Ordinal));
        return [.. Cell().Matches(row).Select(m => (System.Net.WebUtility.HtmlDecode(m.Groups[2].Value), m.Groups[1].Success))];
    }

    [GeneratedRegex("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"")]
    private static partial Regex DataUri();

    [GeneratedRegex("<tr[^>]*>(?:<td.*?</td>)+</tr>")]
    private static partial Regex TableRow();

    [GeneratedRegex("<td( class=\"best\")?>(.*?)</td>")]
    private static partial Regex Cell();
}
