using Autoscaler.Cli.Up;
using Autoscaler.Core.Pipeline;
using Autoscaler.Targets.Local;

namespace Autoscaler.Cli.Tests.Up;

public sealed class StatusViewTests
{
    private static StatusFrame Frame(IReadOnlyList<string>? log = null, string? problem = null) => new(
        "http://127.0.0.1:8000", "http://127.0.0.1:9090/", null, "http://127.0.0.1:8080",
        [
            new LocalReplica("r1", new Uri("http://127.0.0.1:8001"), 11, "Ready"),
            new LocalReplica("r2", new Uri("http://127.0.0.1:8002"), 12, "Ready"),
            new LocalReplica("r3", new Uri("http://127.0.0.1:8003"), 13, "Starting"),
        ],
        1, 6, 3, "avg_rt", 0.75, "up above 0.6, down below 0.2", 1, 120.5, 0,
        new ScalingDecision(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero), 2, 3, [], [], "avg_rt 0.75 above 0.6", "threshold"),
        problem,
        log ?? ["info scaler: avg_rt=0.75 current_replicas=2", "info scaler: Scaling from 2 -> 3"]);

    // The labels line up in a column as wide as the longest shown ("prometheus") and two spaces.
    private static string Pad(string label) => new(' ', "prometheus".Length + 1 - label.Length);

    [Fact]
    public void The_view_shows_the_addresses_the_replicas_the_rule_the_rates_the_last_change_and_the_log()
    {
        var text = Terminal.Plain(StatusView.Render(Frame(problem: "prometheus: connection refused"), 120), width: 120);

        Assert.Contains("autoscaler up: Ctrl+C stops everything", text, StringComparison.Ordinal);
        Assert.Contains("gateway " + Pad("gateway") + "http://127.0.0.1:8000   (send load here)", text, StringComparison.Ordinal);
        Assert.Contains("scaler " + Pad("scaler") + "http://127.0.0.1:8080/api/v1/status", text, StringComparison.Ordinal);
        Assert.Contains("replicas " + Pad("replicas") + "2 ready of 1..6, desired 3: r1 r2 r3(starting)", text, StringComparison.Ordinal);
        Assert.Contains("avg_rt " + Pad("avg_rt") + "0.75   (up above 0.6, down below 0.2; 1 metric(s))", text, StringComparison.Ordinal);
        Assert.Contains("requests " + Pad("requests") + "120.5 req/s   rejected 0 req/s", text, StringComparison.Ordinal);
        Assert.Contains(" 2 -> 3: avg_rt 0.75 above 0.6", text, StringComparison.Ordinal);
        Assert.Contains("problem " + Pad("problem") + "prometheus: connection refused", text, StringComparison.Ordinal);
        Assert.Contains("  info scaler: Scaling from 2 -> 3", text, StringComparison.Ordinal);
        Assert.DoesNotContain("alertmanager", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stack_that_is_not_ready_says_why_in_the_view_and_in_the_status_line()
    {
        var frame = Frame(problem: "cannot reach Prometheus") with { NotReady = "Prometheus exited with code 137 (SIGKILL); restarting it" };

        var text = Terminal.Plain(StatusView.Render(frame, 120), width: 120);

        Assert.Contains("not ready " + Pad("not ready") + "Prometheus exited with code 137 (SIGKILL); restarting it", text, StringComparison.Ordinal);
        Assert.EndsWith(" NOT READY: Prometheus exited with code 137 (SIGKILL); restarting it", StatusView.Line(frame), StringComparison.Ordinal);
        Assert.DoesNotContain("NOT READY", StatusView.Line(Frame()), StringComparison.Ordinal);
    }

    [Fact]
    public void Log_lines_are_shown_as_written_even_with_brackets()
    {
        string[] log = ["warn gateway: [r2] unhealthy [/] [red]", "info scaler: query sum(rate(x[30s]))"];

        var text = Terminal.Plain(StatusView.Render(Frame(log), 120), width: 120);

        Assert.Contains("  warn gateway: [r2] unhealthy [/] [red]", text, StringComparison.Ordinal);
        Assert.Contains("  info scaler: query sum(rate(x[30s]))", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_lines_are_cropped_to_the_terminal_width()
    {
        string[] log = ["info scaler: " + string.Join(' ', Enumerable.Repeat("decision", 30)), "info short"];

        var text = Terminal.Plain(StatusView.Render(Frame(log, problem: new string('p', 300)), 60), width: 60);

        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 60, $"{line.Length} columns: {line}"));
        var logLines = text.Split('\n').SkipWhile(l => l != "log").Skip(1).Where(l => l.Length > 0).ToList();
        Assert.Equal(2, logLines.Count); // one screen line each: the long one is cropped, not wrapped
        Assert.StartsWith("  info scaler: decision decision", logLines[0], StringComparison.Ordinal);
        Assert.EndsWith("…", logLines[0], StringComparison.Ordinal);
        Assert.Equal("  info short", logLines[1]);
    }

    [Fact]
    public void Without_a_terminal_each_status_is_one_plain_line()
    {
        Assert.Equal("status: replicas=2 desired=3 avg_rt=0.75 rate=120.5/s rejected=0/s", StatusView.Line(Frame()));
    }
}
