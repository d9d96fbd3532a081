using Autoscaler.Core.Time;

namespace Autoscaler.Core.Tests.Time;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("30s", 30)]
    [InlineData("2m", 120)]
    [InlineData("1h30m", 5400)]
    [InlineData("7d", 604800)]
    [InlineData("1d12h", 129600)]
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

    [Fact]
    public void Format_round_trips()
    {
        foreach (var value in new[] { TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30), TimeSpan.Zero })
        {
            Assert.Equal(value, Durations.Parse(Durations.Format(value)));
        }
    }
}
