using System.Text.Json;
using Autoscaler.Cli.Logging;
using Autoscaler.Cli.Up;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Cli.Tests.Logging;

public sealed partial class LogLineTests
{
    // 09:46:42.125 in UTC+2: the line must show the UTC time, with its zone.
    private static readonly DateTimeOffset At = new(2025, 6, 1, 9, 46, 42, 125, TimeSpan.FromHours(2));

    [Fact]
    public void A_text_line_has_the_UTC_time_with_its_zone_the_level_the_category_and_the_message()
    {
        var line = LogLine.Text(At, LogLevel.Information, "Autoscaler.Scaler.ScalerLoop", "avg_rt=0.75 current_replicas=1", null);

        Assert.Equal("2025-06-01T07:46:42.125Z info ScalerLoop: avg_rt=0.75 current_replicas=1", line);
        Assert.Equal(At, DateTimeOffset.Parse(line.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(LogLevel.Warning, "warn")]
    [InlineData(LogLevel.Error, "error")]
    [InlineData(LogLevel.Debug, "debug")]
    public void Levels_are_written_as_the_flag_names_them(LogLevel level, string name)
    {
        Assert.Contains($"Z {name} Loop: m", LogLine.Text(At, level, "Loop", "m", null), StringComparison.Ordinal);
        Assert.Equal(level, LogFlags.Parse(name));
    }

    [Fact]
    public void A_JSON_line_is_one_object_with_the_four_parts_and_the_structured_fields()
    {
        var logger = new CapturingLogger();
        LogScaling(logger, 1, 2, "avg_rt 0.75 above 0.6");

        var line = LogLine.Json(At, LogLevel.Information, "Autoscaler.Scaler.ScalerLoop", logger.Message!, null, logger.State);

        Assert.DoesNotContain('\n', line);
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal("2025-06-01T07:46:42.125Z", root.GetProperty("timestamp").GetString());
        Assert.Equal("info", root.GetProperty("level").GetString());
        Assert.Equal("Autoscaler.Scaler.ScalerLoop", root.GetProperty("category").GetString());
        Assert.Equal("Scaling from 1 -> 2 (avg_rt 0.75 above 0.6)", root.GetProperty("message").GetString());
        var fields = root.GetProperty("fields");
        Assert.Equal(1, fields.GetProperty("Current").GetInt32());
        Assert.Equal(2, fields.GetProperty("Desired").GetInt32());
        Assert.Equal("avg_rt 0.75 above 0.6", fields.GetProperty("Reason").GetString());
        Assert.False(fields.TryGetProperty("{OriginalFormat}", out _));
        Assert.Contains("Scaling from 1 -> 2", line, StringComparison.Ordinal); // readable, not \u003E
    }

    [Fact]
    public void An_exception_is_carried_whole_in_JSON_and_named_in_text()
    {
        var error = new InvalidOperationException("boom");

        Assert.EndsWith("failed (InvalidOperationException: boom)", LogLine.Text(At, LogLevel.Error, "X", "failed", error), StringComparison.Ordinal);
        using var json = JsonDocument.Parse(LogLine.Json(At, LogLevel.Error, "X", "failed", error, null));
        Assert.StartsWith("System.InvalidOperationException: boom", json.RootElement.GetProperty("exception").GetString(), StringComparison.Ordinal);
        Assert.Equal("error", json.RootElement.GetProperty("level").GetString());
    }

    [Theory]
    [InlineData(LogLevel.Information, "Autoscaler.Scaler.ScalerLoop", LogLevel.Information, true)]
    [InlineData(LogLevel.Information, "Autoscaler.Scaler.ScalerLoop", LogLevel.Debug, false)]
    [InlineData(LogLevel.Debug, "Autoscaler.Targets.Ansible.AnsibleTarget", LogLevel.Debug, true)]
    [InlineData(LogLevel.Debug, "Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Information, false)]
    [InlineData(LogLevel.Debug, "Yarp.ReverseProxy.Forwarder.HttpForwarder", LogLevel.Warning, true)]
    [InlineData(LogLevel.Error, "Autoscaler.Scaler.ScalerLoop", LogLevel.Warning, false)]
    [InlineData(LogLevel.Error, "Microsoft.AspNetCore.Server.Kestrel", LogLevel.Warning, false)]
    [InlineData(LogLevel.None, "Autoscaler.Scaler.ScalerLoop", LogLevel.Critical, false)]
    public void The_level_applies_to_our_categories_and_the_framework_speaks_from_warnings_up(LogLevel chosen, string category, LogLevel level, bool written) =>
        Assert.Equal(written, new LogSettings(chosen).Allows(category, level));

    [Fact]
    public void Child_replicas_get_both_flags_unless_their_arguments_already_set_one()
    {
        var plain = new List<string> { "--service-time", "50ms" };
        LogFlags.Forward(new LogSettings(LogLevel.Debug, LogFormat.Json), plain);
        Assert.Equal(["--log-level", "debug", "--log-format", "json", "--service-time", "50ms"], plain);

        var own = new List<string> { "--log-level=warn" };
        LogFlags.Forward(new LogSettings(LogLevel.Debug, LogFormat.Json), own);
        Assert.Equal(["--log-format", "json", "--log-level=warn"], own);
    }

    [Fact]
    public void Up_s_log_file_is_written_in_the_chosen_format_while_the_status_view_keeps_text()
    {
        using var dir = new Autoscaler.Testing.TempDirectory("logsink");
        var file = Path.Combine(dir.Path, "autoscaler.log");
        var time = new FakeTimeProvider(At);
        using (var sink = new LogSink(file, echo: false, new LogSettings(LogLevel.Information, LogFormat.Json), time))
        {
            var logger = sink.CreateLogger("Autoscaler.Scaler.ScalerLoop");
            LogScaling(logger, 2, 3, "r");
            logger.LogDebug("not at info");
            sink.CreateLogger("Microsoft.AspNetCore.Routing.EndpointMiddleware").LogInformation("framework chatter");

            Assert.Equal(["2025-06-01T07:46:42.125Z info ScalerLoop: Scaling from 2 -> 3 (r)"], sink.Recent);
        }

        var line = Assert.Single(File.ReadAllLines(file));
        using var json = JsonDocument.Parse(line);
        Assert.Equal(3, json.RootElement.GetProperty("fields").GetProperty("Desired").GetInt32());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scaling from {Current} -> {Desired} ({Reason})")]
    private static partial void LogScaling(ILogger logger, int current, int desired, string reason);

    private sealed class CapturingLogger : ILogger
    {
        public string? Message { get; private set; }

        public object? State { get; private set; }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Message = formatter(state, exception);
            State = state;
        }
    }
}
