using Autoscaler.Cli.Load;
using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Cli.Tests.Load;

public sealed class SendScheduleTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static List<TimeSpan> All(IRatePattern pattern, TimeSpan end)
    {
        var schedule = new SendSchedule(pattern, end);
        var times = new List<TimeSpan>();
        while (schedule.TryNext(out var t))
        {
            times.Add(t);
        }

        Assert.Equal(times.Count, schedule.Count);
        return times;
    }

    private static void Near(double expectedSeconds, TimeSpan actual, double toleranceSeconds = 1e-6) =>
        Assert.True(Math.Abs(expectedSeconds - actual.TotalSeconds) <= toleranceSeconds, $"expected {expectedSeconds}s, got {actual.TotalSeconds}s");

    [Fact]
    public void Constant_rate_sends_evenly_from_time_zero_and_the_end_is_exclusive()
    {
        var times = All(new ConstantRate(200), S(5));

        Assert.Equal(1000, times.Count);
        for (var k = 0; k < times.Count; k++)
        {
            Near(k / 200.0, times[k]);
        }
    }

    [Fact]
    public void One_request_per_second_lands_on_whole_seconds()
    {
        var times = All(new ConstantRate(1), S(10));

        Assert.Equal(Enumerable.Range(0, 10).Select(i => S(i)), times);
    }

    [Fact]
    public void A_rate_higher_than_the_step_resolution_still_spaces_requests_exactly()
    {
        // 5 000 req/s is 5 requests per 1 ms step; interpolation inside the step keeps them 200 µs apart.
        var times = All(new ConstantRate(5000), S(0.01));

        Assert.Equal(50, times.Count);
        Assert.All(times.Zip(times.Skip(1)), p => Near(0.0002, p.Second - p.First, 1e-7));
    }

    [Fact]
    public void Step_rate_changes_the_spacing_at_each_point()
    {
        var times = All(StepRate.Parse("0s=50,3s=200,6s=50"), S(9));

        var perSecond = times.GroupBy(t => (int)t.TotalSeconds).OrderBy(g => g.Key).Select(g => g.Count()).ToArray();
        Assert.Equal([50, 50, 50, 200, 200, 200, 50, 50, 50], perSecond);
        Near(3.0, times[150]);
        Near(3.005, times[151]);
        Near(6.0, times[750]);
        Near(6.02, times[751]);
    }

    [Fact]
    public void A_rate_that_drops_to_zero_sends_nothing_more_until_it_rises()
    {
        var times = All(StepRate.Parse("0s=10,1s=0,2s=10"), S(3));

        Assert.Equal(20, times.Count);
        Assert.DoesNotContain(times, t => t > S(0.95) && t < S(2));
        Near(2.0, times[10]);
    }

    [Fact]
    public void Zero_rate_sends_nothing()
    {
        Assert.Empty(All(new ConstantRate(0), S(5)));
    }

    [Fact]
    public void Ramp_times_follow_the_integral_of_the_rate()
    {
        // Rate 10·t, integral 5·t², so request k is due at sqrt(k / 5).
        var times = All(new RampRate(0, 100, S(10)), S(10));

        Assert.Equal(500, times.Count);
        foreach (var k in new[] { 1, 5, 20, 125, 320, 499 })
        {
            Near(Math.Sqrt(k / 5.0), times[k], 1e-4);
        }
    }

    [Fact]
    public void Sine_over_whole_periods_sends_mean_times_duration()
    {
        var times = All(new SineRate(100, 60, S(2)), S(10));

        Assert.InRange(times.Count, 999, 1001);
        Assert.Equal(times.Order(), times);
    }

    [Fact]
    public void Integral_so_far_matches_the_count_at_the_end()
    {
        var schedule = new SendSchedule(new SpikeRate(20, 300, S(1), S(0.5)), S(3));
        while (schedule.TryNext(out _))
        {
        }

        Assert.Equal((20 * 2.5) + (300 * 0.5), schedule.IntegralSoFar, 6);
        Assert.Equal(200, schedule.Count);
    }

    [Fact]
    public void Long_runs_do_not_drift()
    {
        var schedule = new SendSchedule(new ConstantRate(3), TimeSpan.FromHours(1));
        TimeSpan last = default;
        while (schedule.TryNext(out var t))
        {
            last = t;
        }

        Assert.Equal(3 * 3600, schedule.Count);
        Near(3600 - (1 / 3.0), last, 1e-5);
    }
}
