using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Cli;

/// <summary>Schedules, formulas and a starting pause through <c>autoscaler validate</c>: read, written back, or refused with exit 2.</summary>
public sealed class PauseScheduleFormulaPolicyTests
{
    private static string Shipped(string name) => Path.Combine(AppContext.BaseDirectory, "deploy", "policies", name);

    [Theory]
    [InlineData("business-hours.yaml", "schedules:", "name: business-hours")]
    [InlineData("formula-rate-and-queue.yaml", "formula:", "expression: rps / 30 + queue / 10")]
    public async Task The_shipped_examples_validate_and_print_their_windows_or_formula(string name, string section, string line)
    {
        await using var process = AutoscalerProcess.Start("validate", Shipped(name));

        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(section, process.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(line, process.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("paused: false", process.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("metrics: [{name: rps, query: q}, {name: queue, query: q}]\nformula:\n  expression: rps / 30 + qeue\n  target: {value: 1}\n",
        ":3:26: formula.expression: 'qeue' is neither a metric of this policy (rps, queue) nor a function (min, max, abs, ceil, floor, round)")]
    [InlineData("metrics: [{name: rps, query: q}]\nformula:\n  expression: max(rps,\n  target: {value: 1}\n", ":3:")]
    [InlineData("metrics: [{name: rps, query: q, target: {value: 30}}]\nschedules:\n  - {start: \"0 8 * * MON-FRI\", end: \"0 18 * * 8\", minReplicas: 3}\n",
        ":3: schedules[0].end: '0 18 * * 8' is not a cron expression")]
    [InlineData("pausedReplicas: 9\nmetrics: [{name: rps, query: q, target: {value: 30}}]\n", ":1: pausedReplicas: 9 is above maxReplicas 6")]
    public async Task A_bad_formula_window_or_pause_is_named_with_its_line_and_field_and_exits_2(string yaml, string problem)
    {
        using var dir = new TempDirectory();
        var file = dir.File("policy.yaml");
        await File.WriteAllTextAsync(file, yaml, TestContext.Current.CancellationToken);

        await using var process = AutoscalerProcess.Start("validate", file);

        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(file + problem, process.Output, StringComparison.Ordinal);
        Assert.Empty(process.StandardOutput.Trim());
    }
}
