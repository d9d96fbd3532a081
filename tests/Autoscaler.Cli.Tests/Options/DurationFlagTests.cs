using System.CommandLine;

namespace Autoscaler.Cli.Tests.Options;

public sealed class DurationFlagTests
{
    [Theory]
    [InlineData("2w", 14 * 86400)]
    [InlineData("1w12h", 7 * 86400 + 43200)]
    [InlineData("90s", 90)]
    public void A_duration_flag_takes_weeks_like_every_other_unit(string text, double seconds)
    {
        var flag = VerbOptions.Duration("--window", "test");
        var parsed = new RootCommand { flag }.Parse(["--window", text]);

        Assert.Empty(parsed.Errors);
        Assert.Equal(TimeSpan.FromSeconds(seconds), parsed.GetValue(flag));
    }

    [Fact]
    public void A_bad_duration_flag_names_the_flag_and_the_units()
    {
        var flag = VerbOptions.Duration("--window", "test");
        var parsed = new RootCommand { flag }.Parse(["--window", "3y"]);

        var error = Assert.Single(parsed.Errors);
        Assert.Equal("--window: '3y' is not a duration; use e.g. 500ms, 30s, 2m, 1w or a number of seconds", error.Message);
    }
}
