using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Simulation.Reports;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Tuning;
using Autoscaler.Simulation.Workloads;
using Autoscaler.Testing;
using SkiaSharp;

namespace Autoscaler.Simulation.Tests.Reports;

/// <summary>Issue 16: the Pareto chart and report.html of <c>autoscaler tune</c>, from a real (short) search.</summary>
public sealed partial class TuneReportTests
{
    private const string ScenarioName = "steps <3h> & \"more\"";

    private static readonly string[] s_files =
    [
        TuneReport.ParetoChartFileName, HtmlReport.DemandAndReplicasChartFileName, HtmlReport.LatencyChartFileName,
        HtmlReport.CostChartFileName, HtmlReport.ReplicasByPolicyChartFileName, HtmlReport.ReportFileName,
    ];

    // One search for every test: 12 candidates on a 3-hour history whose demand steps up and down.
    private static readonly Lazy<TuneResult> s_result = new(() =>
    {
        var scenario = new Scenario
        {
            Name = ScenarioName,
            Duration = TimeSpan.FromHours(3),
            Seed = 3,
            Workload = new StepRate(
            [
                new(TimeSpan.Zero, 50), new(TimeSpan.FromMinutes(40), 140), new(TimeSpan.FromMinutes(80), 70),
                new(TimeSpan.FromMinutes(120), 160), new(TimeSpan.FromMinutes(150), 60),
            ]),
        };
        var policy = PolicyFiles.Load(Path.Combine(AppContext.BaseDirectory, "deploy", "policies", "hpa-request-rate.yaml")).Spec!;
        return Tuner.Run(scenario, policy, new TuneOptions { Candidates = 12, Seed = 1 });
    });

    private static TuneResult Result => s_result.Value;

    [Fact]
    public void Write_writes_the_pareto_chart_the_validation_charts_and_the_report()
    {
        using var temp = new TempDirectory();
        var directory = Path.Combine(temp.Path, "tuned");

        var written = TuneReport.Write(Result, directory);

        Assert.Equal(s_files.Select(f => Path.Combine(directory, f)), written);
        Assert.Equal(s_files.Order(StringComparer.Ordinal), Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var pareto = SKBitmap.Decode(temp.File(Path.Combine("tuned", TuneReport.ParetoChartFileName)));
        Assert.NotNull(pareto);
        Assert.Equal((SimulationCharts.Width, SimulationCharts.Height), (pareto.Width, pareto.Height));
    }

    [Fact]
    public void The_pareto_chart_draws_the_budget_the_front_and_marks_the_original_and_the_tuned_policy()
    {
        var png = TuneCharts.Pareto(Result);
        var noMarks = TuneCharts.Pareto(Result with { OriginalSearch = Result.OriginalSearch with { CostRatioToOracle = double.NaN } });

        Assert.True(Png.CountPixelsNear(png, SKColor.Parse("#d62728"), tolerance: 12) > 500, "the budget line is not drawn in the SLO's red");
        Assert.True(Png.CountPixelsNear(png, SKColor.Parse("#08306b"), tolerance: 12) > 200, "the Pareto front is not drawn");
        Assert.True(Png.CountPixelsNear(png, SKColor.Parse("#2ca02c"), tolerance: 12) > 150, "the tuned point is not marked");

        // The original's diamond (and its legend entry) in orange: gone when the original has no point to draw.
        var orange = SKColor.Parse("#ff7f0e");
        Assert.True(Png.CountPixelsNear(png, orange, tolerance: 12) > 150, "the original point is not marked");
        Assert.True(Png.CountPixelsNear(noMarks, orange, tolerance: 12) < 20, "orange drawn without an original point");
    }

    [Fact]
    public void The_pareto_chart_renders_one_point_and_violations_all_zero()
    {
        var best = Result.Best with { Score = Result.Best.Score with { SloViolationPercent = 0 }, OnFront = true };
        var single = Result with { Candidates = [best], Best = best, OriginalSearch = best.Score };

        var png = TuneCharts.Pareto(single);

        Assert.Equal((SimulationCharts.Width, SimulationCharts.Height), Png.Dimensions(png));
        Assert.True(Png.CountPixelsNear(png, SKColor.Parse("#2ca02c"), tolerance: 12) > 150, "the one point is not drawn");
    }

    [Fact]
    public void The_report_gives_the_verdict_the_objective_and_the_split()
    {
        var html = Report(Result);
        var tuning = ReportText.Between(html, "<h2>Tuning</h2>", "<h2>Validation run</h2>");

        Assert.Contains(
            Result.Improved ? "<strong>Tuned policy kept: better on the held part</strong>" : "<strong>Original kept: the tuned policy is not better on the held part</strong>",
            tuning, StringComparison.Ordinal);
        Assert.Contains("<dt>violation budget</dt><dd>0.5 % of the time (--max-violation)</dd>", tuning, StringComparison.Ordinal);
        Assert.Contains("<dt>maxErrorRate</dt><dd>1 % of the requests dropped</dd>", tuning, StringComparison.Ordinal);
        Assert.Contains($"<dt>SLO</dt><dd>{WebUtility.HtmlEncode(Result.Objective.Slo.Describe())}</dd>", tuning, StringComparison.Ordinal);

        // 3 h with 30 % held back: the search saw 2h 6m, the held part is the last 54m.
        Assert.Contains("<dt>search part</dt><dd>2h 6m (7,560 s)</dd>", tuning, StringComparison.Ordinal);
        Assert.Contains("<dt>held part</dt><dd>54m (3,240 s)</dd>", tuning, StringComparison.Ordinal);
        Assert.Contains(
            string.Create(CultureInfo.InvariantCulture, $"<dt>candidates simulated</dt><dd>{Result.Tried} of at most 12 (--candidates), seed 1; {Result.Candidates.Count} ran on the whole search part"),
            tuning, StringComparison.Ordinal);
        Assert.Contains("the charts show the whole history", html, StringComparison.Ordinal);
        Assert.True(html.IndexOf("<h2>Tuning</h2>", StringComparison.Ordinal) < html.IndexOf("<h2>Scores</h2>", StringComparison.Ordinal), "the Tuning section is not first");
    }

    [Fact]
    public void The_report_tables_original_and_tuned_on_the_held_and_the_search_part()
    {
        var html = Report(Result);

        var held = ReportText.Between(html, "<h3>On the held part</h3>", "</table>");
        Assert.Equal(Row("original", Result.OriginalHeld, kept: !Result.Improved), Rows(held)[0]);
        Assert.Equal(Row("tuned", Result.BestHeld, kept: Result.Improved), Rows(held)[1]);

        var search = ReportText.Between(html, "<h3>On the search part</h3>", "</table>");
        Assert.Equal(Row("original", Result.OriginalSearch, kept: false), Rows(search)[0]);
        Assert.Equal(Row("tuned", Result.Best.Score, kept: false), Rows(search)[1]);
    }

    [Fact]
    public void Every_parameter_is_listed_and_the_changed_ones_highlighted()
    {
        var html = Report(Result);
        var table = ReportText.Between(html, "<table class=\"tuned-parameters\">", "</table>");
        var changed = Result.Space.Parameters.Where(p => Result.Best.Values[p.Name] != p.Value).ToList();

        Assert.NotEmpty(changed);
        Assert.Contains($"<p class=\"note\">{changed.Count} of {Result.Space.Parameters.Count} parameters changed by the search (highlighted)", html, StringComparison.Ordinal);
        Assert.Equal(changed.Count, Regex.Count(table, "<tr class=\"changed\">"));
        foreach (var p in Result.Space.Parameters)
        {
            var row = $"<td class=\"name\">{WebUtility.HtmlEncode(p.Name)}</td><td>{p.Format(p.Value)}</td><td class=\"tuned\">{p.Format(Result.Best.Values[p.Name])}</td>"
                + $"<td class=\"range\">{p.Format(p.SearchMin)} to {p.Format(p.SearchMax)}</td></tr>";
            Assert.Contains((changed.Contains(p) ? "<tr class=\"changed\">" : "<tr>") + row, table, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_report_embeds_the_pareto_chart_and_says_how_many_candidates_are_on_the_front()
    {
        using var temp = new TempDirectory();
        TuneReport.Write(Result, temp.Path);
        var html = File.ReadAllText(temp.File(HtmlReport.ReportFileName));
        var front = Result.Candidates.Count(c => c.OnFront);

        Assert.InRange(front, 1, Result.Candidates.Count);
        Assert.Contains($"{Result.Candidates.Count} candidates ran on the whole search part; {front} {(front == 1 ? "is" : "are")} on the Pareto front", html, StringComparison.Ordinal);
        var images = ReportText.EmbeddedPngs(html);
        Assert.Equal(5, images.Count);
        Assert.Equal(File.ReadAllBytes(temp.File(TuneReport.ParetoChartFileName)), images[0]);
        Assert.DoesNotContain("http:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void When_the_tuned_policy_is_not_better_the_report_keeps_the_original_and_names_the_constraint_it_misses()
    {
        // The held part made worse for the tuned policy, and the original over the budget there.
        var original = Result.OriginalHeld with { SloViolationPercent = 2.5, SloViolationSeconds = 81 };
        var worse = Result with { OriginalHeld = original, BestHeld = original with { ReplicaSeconds = original.ReplicaSeconds * 2, SloViolationPercent = 3 } };

        var html = Report(worse);

        Assert.False(worse.Improved);
        Assert.Contains("<div class=\"verdict kept\">\n<p><strong>Original kept: the tuned policy is not better on the held part</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<p>The kept policy does not meet the objective on the held part: violates it 1m 21s (2.5 % of the run), over the budget of 0.5 %", html, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"kept\"><td>original (kept)</td><td class=\"slo fails\">✗ misses</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Strings_from_the_input_are_html_encoded()
    {
        var html = Report(Result);

        Assert.Contains("<title>Tuning report: steps &lt;3h&gt; &amp; &quot;more&quot;</title>", html, StringComparison.Ordinal);
        Assert.Contains("<h1>Tuning report: steps &lt;3h&gt; &amp; &quot;more&quot;</h1>", html, StringComparison.Ordinal);
        Assert.DoesNotContain(ScenarioName, html, StringComparison.Ordinal);
        Assert.DoesNotContain("<3h>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_simulate_report_is_the_same_without_the_tuning_section()
    {
        // The simulator's report has no section of tune's, and tune's report is the simulator's with its section added.
        var validation = Result.Validation;
        var charts = HtmlReport.RenderCharts(validation);
        var simulate = ReportHtml.Render(validation, charts);
        var tune = ReportHtml.Render(validation, charts, "Tuning report", "<h2>Tuning</h2>\n", ".x { }\n");

        Assert.DoesNotContain("Tuning", simulate, StringComparison.Ordinal);
        Assert.StartsWith("<!DOCTYPE html>", simulate, StringComparison.Ordinal);
        Assert.Equal(simulate, tune.Replace("<h2>Tuning</h2>\n", string.Empty, StringComparison.Ordinal).Replace(".x { }\n", string.Empty, StringComparison.Ordinal).Replace("Tuning report", "Simulation report", StringComparison.Ordinal));
    }

    [Fact]
    public void A_directory_that_cannot_be_written_gives_an_io_error_naming_it()
    {
        using var temp = new TempDirectory();
        var file = temp.File("taken");
        File.WriteAllText(file, "x");

        var error = Assert.Throws<ReportOutputException>(() => TuneReport.Write(Result, file));

        Assert.Equal($"cannot write the tuning report to '{file}' ", error.Message[..(error.Message.IndexOf('(', StringComparison.Ordinal))]);
        Assert.Equal("x", File.ReadAllText(file));
    }

    private static string Report(TuneResult result)
    {
        using var temp = new TempDirectory();
        TuneReport.Write(result, temp.Path);
        return File.ReadAllText(temp.File(HtmlReport.ReportFileName));
    }

    private static string Row(string name, Results.PolicyScore score, bool kept)
    {
        var c = CultureInfo.InvariantCulture;
        var meets = Result.Objective.Accepts(score) ? "✓ meets" : "✗ misses";
        return string.Join("|", kept ? $"{name} (kept)" : name, meets, score.CostRatioToOracle.ToString("0.000", c), score.ReplicaSeconds.ToString("#,0", c),
            score.SloViolationPercent.ToString("0.00", c), (score.ErrorRate * 100).ToString("0.00", c), score.ScaleActions.ToString("#,0", c));
    }

    private static List<string> Rows(string table) =>
        [.. ReportText.Rows(table).Select(r => string.Join("|", Cell().Matches(r).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value))))];




    [GeneratedRegex("<td[^>]*>(.*?)</td>")]
    private static partial Regex Cell();
}
