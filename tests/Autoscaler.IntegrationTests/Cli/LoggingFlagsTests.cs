using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Autoscaler.IntegrationTests.Live;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Cli;

/// <summary><c>--log-level</c> and <c>--log-format</c> on every long-running verb, as a user or a log collector sees them.</summary>
public sealed partial class LoggingFlagsTests
{
    public static TheoryData<string> LongRunningVerbs() => ["up", "scaler", "webapp", "gateway"];

    [Theory]
    [MemberData(nameof(LongRunningVerbs))]
    public async Task Every_long_running_verb_documents_both_flags(string verb)
    {
        await using var process = AutoscalerProcess.Start(verb, "--help");

        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("--log-level", process.Output, StringComparison.Ordinal);
        Assert.Contains("trace, debug, info, warn, error, critical or none", process.Output, StringComparison.Ordinal);
        Assert.Contains("--log-format", process.Output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(LongRunningVerbs))]
    public async Task A_bad_level_or_format_is_exit_code_2_naming_the_flag_and_the_choices(string verb)
    {
        await using var level = AutoscalerProcess.Start(verb, "--log-level", "verbose");
        await using var format = AutoscalerProcess.Start(verb, "--log-format", "xml");

        Assert.Equal(2, await level.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(
            $"autoscaler {verb}: --log-level: 'verbose' is not a log level; use trace, debug, info, warn, error, critical or none (see 'autoscaler {verb} --help')",
            Assert.Single(level.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(2, await format.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("--log-format: 'xml' is not a log format; use text or json", format.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_lines_carry_an_ISO_8601_UTC_time_and_the_level()
    {
        await using var gateway = AutoscalerProcess.Start("gateway", "--port", "0", "--destinations-dns", "localhost:1", "--dns-refresh-interval", "1s");

        var line = await gateway.WaitForLineAsync(TextLine(), TimeSpan.FromSeconds(30));

        var match = TextLine().Match(line);
        var time = DateTimeOffset.Parse(match.Groups["time"].Value, CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.Zero, time.Offset);
        Assert.True((TimeProvider.System.GetUtcNow() - time).Duration() < TimeSpan.FromMinutes(1), $"{line} is not now in UTC");
    }

    [Fact]
    public async Task The_scaler_logs_JSON_objects_at_the_chosen_level_and_its_replicas_log_the_same_way()
    {
        using var dir = new TempDirectory("json-logs");
        var basePort = 23000 + (Environment.ProcessId % 100 * 10);
        await using var scaler = AutoscalerProcess.Start(
            ["scaler", "--port", "0", "--prometheus-url", $"http://127.0.0.1:{FreePorts.Next()}", "--check-interval", "1s",
             "--replica-ports", $"{basePort}-{basePort + 9}", "--log-format", "json", "--log-level", "warn"],
            new Dictionary<string, string> { ["LocalTarget__LogDirectory"] = dir.Path });

        // Prometheus is not there: the metric has no value, a warning. The scaler still starts its one replica.
        await scaler.WaitForLineAsync(new Regex("Metric avg_rt has no value"), TimeSpan.FromSeconds(60));
        await LiveStack.WaitForAsync(
            () => Task.FromResult(Directory.GetFiles(dir.Path, "replica-*.log").Any(f => ReadShared(f).Contains("listening on", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(60), () => scaler.Output);
        scaler.Signal(15);
        Assert.Equal(0, await scaler.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        var lines = scaler.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var objects = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList(); // every line is one JSON object
        var warning = Assert.Single(objects, o => o.GetProperty("message").GetString()!.StartsWith("Metric avg_rt has no value", StringComparison.Ordinal));
        Assert.Equal("warn", warning.GetProperty("level").GetString());
        Assert.Equal("Autoscaler.Scaler.ScalerLoop", warning.GetProperty("category").GetString());
        Assert.Equal("avg_rt", warning.GetProperty("fields").GetProperty("Metric").GetString());
        Assert.EndsWith("Z", warning.GetProperty("timestamp").GetString(), StringComparison.Ordinal);
        Assert.Contains(objects, o => o.GetProperty("message").GetString()!.StartsWith("scaler listening on http://127.0.0.1:", StringComparison.Ordinal));
        Assert.DoesNotContain(objects, o => o.GetProperty("level").GetString() == "info" && o.GetProperty("category").GetString() != "Autoscaler.Cli.scaler");

        // The replica was started with the same flags: its drain notice (info) is held back, its own start line is JSON.
        var replicaLog = ReadShared(Directory.GetFiles(dir.Path, "replica-*.log")[0]).Split('\n');
        var replicaObjects = replicaLog.Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(replicaObjects, o => o.GetProperty("message").GetString()!.Contains("listening on", StringComparison.Ordinal));
        Assert.DoesNotContain(replicaObjects, o => o.GetProperty("message").GetString()!.StartsWith("Draining", StringComparison.Ordinal));
    }

    // The scaler holds the replica's log file open for writing while it runs.
    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^(?<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (info|warn) \S+: ")]
    private static partial Regex TextLine();
}
