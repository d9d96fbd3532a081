using Autoscaler.Core.Metrics;

namespace Autoscaler.Core.Tests.Metrics;

public sealed class QueryWindowTests
{
    [Theory]
    [InlineData("sum(rate(webapp_request_count_total[30s]))", 30)]
    [InlineData("avg(avg_over_time(webapp_response_time_seconds[5s]))", 5)]
    [InlineData("histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[1m])) by (le))", 60)]
    [InlineData("avg(rate(a_total[1m]) - rate(b_total[ 1m30s ]))", 90)]
    [InlineData("max_over_time(rate(a_total[30s])[5m:15s])", 300)]
    [InlineData("max_over_time(rate(a_total[30s])[2m:])", 120)]
    [InlineData("rate(a_total[500ms])", 0.5)]
    [InlineData("avg(webapp_response_time_seconds)", 0)]
    [InlineData("job:webapp_requests:rate30s", 0)]
    [InlineData("", 0)]
    public void The_window_is_the_longest_range_in_the_query(string query, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), QueryWindow.Longest(query));

    [Fact]
    public void Brackets_inside_strings_are_not_ranges() =>
        Assert.Equal(TimeSpan.FromSeconds(30), QueryWindow.Longest("""label_replace(rate(a_total[30s]), "x", "[1h]", 'y', '[2h]')"""));
}
