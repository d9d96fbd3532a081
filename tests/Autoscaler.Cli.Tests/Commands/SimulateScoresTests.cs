using System.Text.RegularExpressions;
using Autoscaler.Cli.Commands;
using Autoscaler.Core.Queueing;
using Autoscaler.Simulation.Results;

namespace Autoscaler.Cli.Tests.Commands;

/// <summary>The scores `autoscaler simulate` prints, as a script reading redirected output sees them.</summary>
public sealed partial class SimulateScoresTests
{
    private const double Month = 30 * 86_400;

    // threshold is the cheapest and in violation 413,938 s (4d 18h 58m, 16 % of the month); hpa and slo meet the SLO.
    private static SimulationResult Result()
    {
        var slo = new SloSpec(0.3, LatencyStatistic.Mean, 0.01);
        PolicyRun Run(string name, double replicaHours, double violationSeconds, double errorRate = 0)
        {
            var score = new PolicyScore
            {
                Policy = name,
                ReplicaSeconds = replicaHours * 3600,
                Cost = replicaHours,
                CostRatioToOracle = replicaHours / 3000,
                SloViolationSeconds = violationSeconds,
                SloViolationPercent = 100 * violationSeconds / Month,
                DroppedRequests = (long)(errorRate * 1e8),
                OfferedRequests = 100_000_000,
                ErrorRate = errorRate,
                ScaleActions = 12,
                MeanLatencySeconds = 0.137,
                P95LatencySeconds = 1.4,
                UnderProvisioningAccuracy = 8.2,
                OverProvisioningAccuracy = 11.2,
                UnderProvisioningTimeshare = 34.9,
                OverProvisioningTimeshare = 21.6,
                Instability = 37.5,
            };
            return new PolicyRun(score with { MeetsSlo = slo.Breaches(score).Count == 0 }, []);
        }

        return new SimulationResult("month", 7, Month, 1, slo, 1, 2.5,
            [Run("oracle", 3000, 0), Run("threshold", 2900, 413_938, 0.0032), Run("hpa", 3500, 129), Run("slo", 3150, 37)])
        {
            Version = "9.8.7+abcdef012345",
        };
    }

    private static string Plain()
    {
        var text = new StringWriter();
        SimulateCommand.WriteScores(text, terminal: false, Result());
        return text.ToString();
    }

    private static List<string[]> Rows(string output) =>
        [.. output.Split('\n').SkipWhile(l => !l.StartsWith("policy ", StringComparison.Ordinal)).TakeWhile(l => l.Length > 0).Select(l => Columns().Split(l.TrimEnd()))];

    [Fact]
    public void Redirected_output_is_plain_columns_at_least_two_spaces_apart()
    {
        var output = Plain();

        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain("│", output, StringComparison.Ordinal);
        var rows = Rows(output);
        Assert.Equal(["policy", "SLO", "replica-h", "cost", "×oracle", "SLO violated", "dropped", "errors", "actions", "mean", "p95", "θU %", "θO %", "τU %", "τO %", "instab %"], rows[0]);
        Assert.Equal(5, rows.Count);
        Assert.All(rows, r => Assert.Equal(16, r.Length));
    }

    [Fact]
    public void The_cheapest_policy_that_breaks_the_slo_fails_and_the_cheapest_that_meets_it_is_best()
    {
        var output = Plain();

        var rows = Rows(output).Skip(1).ToDictionary(r => r[0], r => r[1]);
        Assert.Equal(new Dictionary<string, string> { ["oracle"] = "bound", ["threshold"] = "FAIL", ["hpa"] = "pass", ["slo"] = "best" }, rows);
        Assert.Contains("\nbest: slo, the cheapest policy that meets the SLO (1.05× the oracle's cost)\n", output, StringComparison.Ordinal);
        Assert.Contains("\nthreshold is cheaper but fails the SLO: violates it 4d 18h 58m (15.97 % of the run), over the budget of 1 %\n", output, StringComparison.Ordinal);
        Assert.Contains("SLO: mean latency ≤ 300ms and errors ≤ 1 % in a step; met when at most 1 % of the run violates it and at most 1 % of all requests are dropped", output, StringComparison.Ordinal);
        Assert.Contains("autoscaler 9.8.7+abcdef012345", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Durations_are_humanised()
    {
        var rows = Rows(Plain()).Skip(1).ToDictionary(r => r[0]);

        Assert.Equal("4d 18h 58m (16.0%)", rows["threshold"][5]);
        Assert.Equal("2m 9s (0.0%)", rows["hpa"][5]);
        Assert.Equal(("137ms", "1.4s"), (rows["hpa"][9], rows["hpa"][10]));
        Assert.DoesNotContain("413938", Plain(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_heading_is_explained_in_the_legend_under_the_table()
    {
        var output = Plain();

        var headings = Rows(output)[0];
        var legend = output.Split('\n').Where(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => Columns().Split(l.Trim())[0]).ToList();
        Assert.Equal(headings, legend);
    }

    [Fact]
    public void A_narrow_terminal_leaves_out_the_columns_that_do_not_fit_and_explains_the_rest()
    {
        var output = Terminal.Plain(SimulateCommand.Scores(Result(), colour: true, width: 80), width: 80);

        Assert.All(output.Split('\n'), line => Assert.True(line.Length <= 80, $"{line.Length} columns: {line}"));
        var table = output.Split('\n').SkipWhile(l => !l.TrimStart().StartsWith("policy ", StringComparison.Ordinal)).ToList();
        var headings = Columns().Split(table[0].Trim());
        Assert.Equal(["policy", "SLO", "×oracle", "SLO violated", "errors", "actions"], headings);
        Assert.Matches(@"threshold +FAIL +0\.97 +4d 18h 58m \(16\.0%\)", output);
        Assert.Contains("a wider terminal shows replica-h, cost, dropped, mean, p95, θU %, θO %, τU %, τO %, instab %; report.html and summary.json have every score",
            string.Join(' ', output.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.DoesNotContain("θU %  ", output, StringComparison.Ordinal);
    }

    [GeneratedRegex(" {2,}")]
    private static partial Regex Columns();
}
