using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Time;

namespace Autoscaler.Core.Tests.Time;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("30s", 30)]
    [InlineData("2m", 120)]
    [InlineData("1h30m", 5400)]
    [InlineData("30d", 2_592_000)]
    [InlineData("1d12h", 129_600)]
    [InlineData("1w", 604_800)]
    [InlineData("2w3d", 1_468_800)]
    [InlineData("0.5w", 302_400)]
    [InlineData("1.5s", 1.5)]
    [InlineData("12", 12)]
    [InlineData("00:01:05", 65)]
    public void Parses_what_users_type(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(seconds, value.TotalSeconds, 9);
    }

    [Theory]
    [InlineData("")]
    [InlineData("fast")]
    [InlineData("10 parsecs")]
    [InlineData("5q")]
    public void Rejects_what_is_not_a_duration(string text)
    {
        Assert.False(Durations.TryParse(text, out _));
        var error = Assert.Throws<FormatException>(() => Durations.Parse(text));
        Assert.Contains("500ms", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7, "1w")]
    [InlineData(14, "2w")]
    [InlineData(1, "86400s")]
    [InlineData(8, "691200s")]
    public void Whole_weeks_are_formatted_as_weeks(int days, string expected) =>
        Assert.Equal(expected, Durations.Format(TimeSpan.FromDays(days)));

    [Fact]
    public void Format_round_trips()
    {
        foreach (var value in new[] { TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30), TimeSpan.Zero, TimeSpan.FromDays(21), TimeSpan.FromDays(10) })
        {
            Assert.Equal(value, Durations.Parse(Durations.Format(value)));
        }
    }

    [Fact]
    public void A_policy_file_reads_weeks_and_writes_a_whole_week_back_as_one()
    {
        var spec = PolicyFile.Parse("metrics: [{name: rps, query: q, predictive: {value: 30, seasonLength: 1w, sampleInterval: 10m}}]");

        Assert.Equal(TimeSpan.FromDays(7), spec.Metrics[0].Predictive!.SeasonLength);
        Assert.Contains("seasonLength: 1w", PolicyFile.Write(spec), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(413_938, "4d 18h 58m")] // the report's old "413938s"
    [InlineData(86_400, "1d")]
    [InlineData(86_400 + 300 + 7, "1d 5m")]
    [InlineData(7_503, "2h 5m 3s")]
    [InlineData(3_600, "1h")]
    [InlineData(78, "1m 18s")]
    [InlineData(60, "1m")]
    [InlineData(42.7, "42s")]
    [InlineData(9.96, "9.9s")]
    [InlineData(2.5, "2.5s")]
    [InlineData(0.25, "250ms")]
    [InlineData(0, "0s")]
    [InlineData(-90, "-1m 30s")]
    public void Humanize_shows_at_most_three_units_largest_first(double seconds, string expected) =>
        Assert.Equal(expected, Durations.Humanize(TimeSpan.FromSeconds(seconds)));
}
