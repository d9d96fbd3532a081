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
        [HtmlReport.DemandAndReplicasChartFileName, HtmlReport.LatencyChartFileName, HtmlReport.CostChartFileName, HtmlReport.ReplicasByPolicyChartFileName];

    // The palette's first three colours: threshold, hpa and predictive in SyntheticResults.
    private static readonly SKColor[] s_policyColours = [SKColor.Parse("#1f77b4"), SKColor.Parse("#ff7f0e"), SKColor.Parse("#2ca02c")];

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
            Assert.Equal(Size(chart, panels: 3), Png.Dimensions(bytes));
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

        var embedded = ReportText.EmbeddedPngs(html);
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
        Assert.Contains("<dt>duration</dt><dd>3d 2h (266,400 s) at a 1s step</dd>", html, StringComparison.Ordinal);
        Assert.Contains(
            "<dt>SLO</dt><dd>p95 latency ≤ 250ms and errors ≤ 1 % in a step; met when at most 1 % of the run violates it and at most 1 % of all requests are dropped</dd>",
            html, StringComparison.Ordinal);
        Assert.Contains("<dt>cost per replica-hour</dt><dd>0.05</dd>", html, StringComparison.Ordinal);

        // Row of "hpa" (k = 2 in SyntheticResults.Score), in the column order of the table; 60 s of violation read as 1m.
        string[] hpa =
        [
            "hpa", "✓ meets", "120,000", "3.25", "1.250", "1m (1.00 %)", "2,000", "0.20", "12", "70.0", "140.0", "3.00", "7.00", "5.00", "38.00", "3.25",
        ];
        Assert.Equal(hpa, Row(html, "hpa").Select(c => c.Text));
        foreach (var policy in result.Policies)
        {
            Assert.Equal(hpa.Length, Row(html, policy.Score.Policy).Count);
        }
    }

    [Fact]
    public void The_best_value_of_each_column_is_highlighted_among_the_policies_that_meet_the_slo()
    {
        using var temp = new TempDirectory();

        HtmlReport.Write(SyntheticResults.Make(), temp.Path);
        var html = File.ReadAllText(temp.File(HtmlReport.ReportFileName));

        // threshold (k = 1) and hpa (k = 2) meet the SLO; predictive (k = 3) breaks it, so its lowest θO and τO are
        // not highlighted: hpa's are, the lowest among the policies that meet it. Instability is a tie.
        var threshold = Row(html, "threshold");
        var predictive = Row(html, "predictive");
        var hpa = Row(html, "hpa");
        Assert.True(threshold[Column("replica-seconds")].Best, "threshold's replica-seconds should be highlighted");
        Assert.False(threshold[Column("θO (%)")].Best, "threshold's θO should not be highlighted");
        Assert.True(hpa[Column("θO (%)")].Best, "hpa's θO is the lowest among the policies that meet the SLO");
        Assert.True(hpa[Column("τO (%)")].Best, "hpa's τO is the lowest among the policies that meet the SLO");
        Assert.True(hpa[Column("instability (%)")].Best && threshold[Column("instability (%)")].Best, "a tie is highlighted in every row");
        Assert.DoesNotContain(predictive, c => c.Best);
        Assert.DoesNotContain(Row(html, "oracle"), c => c.Best);
        Assert.Equal("★ best", threshold[1].Text);
        Assert.Equal("✗ fails", predictive[1].Text);
        Assert.Equal("bound", Row(html, "oracle")[1].Text);
    }

    [Fact]
    public void The_cheapest_policy_that_breaks_the_slo_is_not_best_and_the_report_says_why()
    {
        using var temp = new TempDirectory();
        var result = SyntheticResults.Make();

        // threshold is the cheapest and in violation 8.7 % of the run: hpa, dearer, is the one to pick.
        var threshold = result.Policies[1];
        var violating = SyntheticResults.Judged(threshold.Score with { SloViolationSeconds = 7_517, SloViolationPercent = 8.7 }, result.Slo);
        result = result with { Policies = [result.Policies[0], threshold with { Score = violating }, .. result.Policies.Skip(2)] };

        HtmlReport.Write(result, temp.Path);
        var html = File.ReadAllText(temp.File(HtmlReport.ReportFileName));

        Assert.Contains("<p><strong>Best: hpa</strong>, the cheapest policy that meets the SLO (1.250× the oracle’s cost, in violation 1m).</p>", html, StringComparison.Ordinal);
        Assert.Contains("<p>threshold is cheaper but fails the SLO: violates it 2h 5m 17s (8.7 % of the run), over the budget of 1 %.</p>", html, StringComparison.Ordinal);
        Assert.Equal("✗ fails", Row(html, "threshold")[1].Text);
        Assert.DoesNotContain(Row(html, "threshold"), c => c.Best);
        Assert.Equal("★ best", Row(html, "hpa")[1].Text);
        Assert.True(Row(html, "hpa")[Column("replica-seconds")].Best, "hpa's replica-seconds are the lowest of the policies that meet the SLO");
    }

    [Fact]
    public void When_no_policy_meets_the_slo_none_is_recommended_and_nothing_is_highlighted()
    {
        using var temp = new TempDirectory();
        var result = SyntheticResults.Make();
        result = result with
        {
            Policies = [.. result.Policies.Select(p => p.IsOracle ? p : p with { Score = SyntheticResults.Judged(p.Score with { ErrorRate = 0.05 }, result.Slo) })],
        };

        HtmlReport.Write(result, temp.Path);
        var html = File.ReadAllText(temp.File(HtmlReport.ReportFileName));

        Assert.Contains("<strong>No policy meets the SLO.</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<p>hpa fails the SLO: dropped 5 % of requests, over the 1 % allowed.</p>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"best\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("★", ReportText.Between(html, "<tbody>", "</tbody>"), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_heading_and_symbol_of_the_table_is_explained_in_the_legend()
    {
        using var temp = new TempDirectory();

        HtmlReport.Write(SyntheticResults.Make(), temp.Path);
        var html = File.ReadAllText(temp.File(HtmlReport.ReportFileName));

        var headings = Heading().Matches(ReportText.Between(html, "<thead>", "</thead>")).Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
        var legend = ReportText.Between(html, "<dl class=\"legend\">", "</dl>");
        var terms = LegendTerm().Matches(legend).Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)).ToHashSet();
        Assert.Equal(16, headings.Count);
        Assert.Equal(Column("instability (%)"), headings.IndexOf("instability (%)"));
        Assert.All(headings.Where(h => h != "policy"), h => Assert.Contains(h, terms));
        Assert.Contains("oracle", terms);
        Assert.Contains("green cell", terms);
        foreach (var symbol in new[] { "★ best", "✓ meets", "✗ fails", "bound" })
        {
            Assert.Contains(symbol, System.Net.WebUtility.HtmlDecode(legend), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_report_names_the_tool_version_and_what_each_policy_ran_with()
    {
        using var temp = new TempDirectory();

        HtmlReport.Write(SyntheticResults.Make(), temp.Path);
        var html = File.ReadAllText(temp.File(HtmlReport.ReportFileName));

        Assert.Contains("<dt>tool</dt><dd>autoscaler 9.8.7+abcdef012345</dd>", html, StringComparison.Ordinal);
        var parameters = ReportText.Between(html, "<div class=\"parameters\">", "</div>");
        string[] policies = ["oracle", "threshold", "hpa", "predictive"];
        for (var k = 0; k < policies.Length; k++)
        {
            Assert.Contains($"<figure><figcaption>{policies[k]}</figcaption><pre>minReplicas: 1\nmaxReplicas: {6 + k}\ncheckInterval: 10s</pre></figure>", parameters, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Each_policy_has_its_own_replica_panel_in_its_own_colour()
    {
        using var temp = new TempDirectory();

        HtmlReport.Write(SyntheticResults.Make(), temp.Path);
        var png = File.ReadAllBytes(temp.File(HtmlReport.ReplicasByPolicyChartFileName));

        // One panel per policy the oracle is measured against, top to bottom: threshold, hpa, predictive.
        Assert.Equal(Size(HtmlReport.ReplicasByPolicyChartFileName, panels: 3), Png.Dimensions(png));
        for (var panel = 0; panel < 3; panel++)
        {
            var (top, bottom) = (panel * SimulationCharts.PanelHeight, (panel + 1) * SimulationCharts.PanelHeight);
            for (var colour = 0; colour < 3; colour++)
            {
                var pixels = Png.CountPixelsNear(png, s_policyColours[colour], tolerance: 12, top: top, bottom: bottom);
                if (colour == panel)
                {
                    Assert.True(pixels > 300, $"panel {panel} shows only {pixels} pixels of its policy's colour");
                }
                else
                {
                    Assert.True(pixels < 20, $"panel {panel} shows {pixels} pixels of policy {colour}'s colour");
                }
            }
        }
    }

    [Fact]
    public void On_a_long_run_the_demand_chart_shows_the_busiest_day_where_the_lines_can_be_told_apart()
    {
        using var temp = new TempDirectory();
        var month = SyntheticResults.Make(points: 2_000, durationSeconds: 30 * 86_400.0);

        // Day 18 (17 d to 18 d) carries half as much again at its peak.
        month = month with
        {
            Policies = [.. month.Policies.Select(p => p with
            {
                Series = [.. p.Series.Select(point => point.Seconds is >= 17 * 86_400.0 and < 18 * 86_400.0 ? point with { DemandRps = point.DemandRps * 1.5 } : point)],
            })],
        };

        Assert.Equal((17 * 86_400.0, 18 * 86_400.0, 18), SimulationCharts.Window(month));
        Assert.Equal((0, 86_400.0, (int?)null), SimulationCharts.Window(SyntheticResults.Make()));

        HtmlReport.Write(month, temp.Path);
        Assert.Contains("<figcaption>Demand and ready replicas on the busiest day (day 18 of 30) (demand-and-replicas.png)</figcaption>",
            File.ReadAllText(temp.File(HtmlReport.ReportFileName)), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_chart_marks_the_policies_that_break_the_slo()
    {
        var result = SyntheticResults.Make();
        var meeting = result with
        {
            Policies = [.. result.Policies.Select(p => p with { Score = p.Score with { MeetsSlo = true } })],
        };

        // The line charts' legends and the cost chart's labels name each policy with its verdict.
        Assert.Equal(
            ["oracle (bound)", "threshold (best)", "hpa", "predictive (fails SLO)"],
            result.Policies.Select(p => SimulationCharts.Name(result, p)));

        // In the cost chart a failing policy's bar is striped and outlined in the SLO's red: less of its colour.
        var predictive = s_policyColours[2];
        var red = SKColor.Parse("#d62728");
        var failing = SimulationCharts.Cost(result);
        var passing = SimulationCharts.Cost(meeting);
        Assert.True(Png.CountPixelsNear(failing, predictive) < Png.CountPixelsNear(passing, predictive) * 0.8, "the failing bar is not striped");
        Assert.True(Png.CountPixelsNear(failing, red) > 500, "the failing bar is not outlined in red");
        Assert.True(Png.CountPixelsNear(passing, red) < 50, "a bar is outlined in red though every policy meets the SLO");
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

        Assert.Contains("<dd>mean latency ≤ 250ms", File.ReadAllText(temp.File(HtmlReport.ReportFileName)), StringComparison.Ordinal);
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
        Assert.Equal(s_charts.Length + 1, Directory.GetFiles(temp.Path).Length);
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
            Assert.Equal(Size(chart, panels: 2), Png.Dimensions(File.ReadAllBytes(temp.File(chart))));
        }

        Assert.Equal("–", Row(File.ReadAllText(temp.File(HtmlReport.ReportFileName)), "long")[Column("cost / oracle")].Text);
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

    private static (int Width, int Height) Size(string chart, int panels) =>
        chart == HtmlReport.ReplicasByPolicyChartFileName ? (1000, (SimulationCharts.PanelHeight * panels) + 30) : (1000, 560);

    // Index of a heading in a row of cells: the table's columns in order.
    private static int Column(string heading)
    {
        string[] headings =
        [
            "policy", "SLO", "replica-seconds", "cost", "cost / oracle", "SLO violation", "dropped requests", "errors (%)", "scale actions",
            "mean latency (ms)", "p95 latency (ms)", "θU (%)", "θO (%)", "τU (%)", "τO (%)", "instability (%)",
        ];
        return Array.IndexOf(headings, heading) is >= 0 and var index ? index : throw new ArgumentException($"no column '{heading}'", nameof(heading));
    }


    private static List<(string Text, bool Best)> Row(string html, string policy)
    {
        var encoded = System.Net.WebUtility.HtmlEncode(policy);
        var row = ReportText.Rows(html).Single(r => r.Contains($"<td>{encoded}</td>", StringComparison.Ordinal));
        return [.. Cell().Matches(row).Select(m => (System.Net.WebUtility.HtmlDecode(m.Groups[2].Value), m.Groups[1].Value == "best"))];
    }



    [GeneratedRegex("<td(?: class=\"([^\"]*)\")?>(.*?)</td>")]
    private static partial Regex Cell();

    [GeneratedRegex("<th[^>]*>(.*?)</th>")]
    private static partial Regex Heading();

    [GeneratedRegex("<dt>(.*?)</dt>")]
    private static partial Regex LegendTerm();
}
