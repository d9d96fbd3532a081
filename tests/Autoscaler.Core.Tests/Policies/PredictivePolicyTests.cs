using Autoscaler.Core.Metrics;
using Autoscaler.Core.Policies;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Core.Tests.Policies;

public sealed class PredictivePolicyTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(10);

    private static PredictivePolicyOptions Options(ForecastMethod method, TimeSpan? season = null, TimeSpan? horizon = null) => new()
    {
        Target = 10,
        Method = method,
        SeasonLength = season ?? TimeSpan.FromDays(1),
        SampleInterval = TimeSpan.FromMinutes(1),
        Horizon = horizon ?? TimeSpan.FromSeconds(40),
    };

    [Theory]
    [InlineData(ForecastMethod.HoltWinters)]
    [InlineData(ForecastMethod.SeasonalNaive)]
    public void On_a_clean_daily_wave_the_forecast_one_horizon_ahead_is_within_3_percent_after_two_days(ForecastMethod method)
    {
        static double Wave(TimeSpan t) => 100 + (80 * Math.Sin(2 * Math.PI * t.TotalDays));
        var clock = new FakeTimeProvider(Start);
        var policy = new PredictivePolicy(Options(method), clock);
        var horizon = TimeSpan.FromSeconds(40);

        var worst = 0.0;
        for (var t = TimeSpan.Zero; t < TimeSpan.FromDays(3); t += CheckInterval)
        {
            clock.SetUtcNow(Start + t);
            policy.Propose(5, MetricReading.Ok("rps", Wave(t)));
            if (t >= TimeSpan.FromDays(2))
            {
                var truth = Wave(t + horizon);
                worst = Math.Max(worst, Math.Abs(policy.LastForecast!.Value - truth) / truth);
            }
        }

        Assert.True(worst < 0.03, $"worst relative error on day 3: {worst:P2}");
    }

    [Fact]
    public void Seasonal_naive_follows_a_wave_that_grows_day_by_day()
    {
        static double Growing(TimeSpan t) => (100 + (80 * Math.Sin(2 * Math.PI * t.TotalDays))) * (1 + (0.2 * t.TotalDays));
        var clock = new FakeTimeProvider(Start);
        var policy = new PredictivePolicy(Options(ForecastMethod.SeasonalNaive), clock);

        var worst = 0.0;
        for (var t = TimeSpan.Zero; t < TimeSpan.FromDays(3); t += CheckInterval)
        {
            clock.SetUtcNow(Start + t);
            policy.Propose(5, MetricReading.Ok("rps", Growing(t)));
            if (t >= TimeSpan.FromDays(2))
            {
                var truth = Growing(t + TimeSpan.FromSeconds(40));
                worst = Math.Max(worst, Math.Abs(policy.LastForecast!.Value - truth) / truth);
            }
        }

        Assert.True(worst < 0.03, $"worst relative error on day 3: {worst:P2}");
    }

    [Theory]
    [InlineData(ForecastMethod.HoltWinters)]
    [InlineData(ForecastMethod.SeasonalNaive)]
    public void It_leads_a_rising_ramp_proposing_the_replicas_the_demand_will_need(ForecastMethod method)
    {
        // Two flat hours (the season), then demand climbs 10 req/s a minute: one replica of 10 req/s more every
        // minute. New replicas take five minutes to be useful, so the horizon is five minutes.
        var ramp = TimeSpan.FromHours(2);
        double Demand(TimeSpan t) => t < ramp ? 100 : 100 + (10 * (t - ramp).TotalMinutes);
        var horizon = TimeSpan.FromMinutes(5);
        var clock = new FakeTimeProvider(Start);
        var options = Options(method, TimeSpan.FromHours(1), horizon);
        options.Tolerance = 0; // so that every replica of lead shows (the default 10 % swallows a lead of up to 10 %)
        var policy = new PredictivePolicy(options, clock);

        for (var t = TimeSpan.Zero; t < ramp + TimeSpan.FromMinutes(40); t += CheckInterval)
        {
            clock.SetUtcNow(Start + t);
            var now = Demand(t);
            var reactive = (int)Math.Ceiling(now / 10);
            var proposal = policy.Propose(reactive, MetricReading.Ok("rps", now));
            Assert.True(proposal.Replicas >= reactive, $"{t}: {proposal}");

            // Ten minutes into the ramp it asks for more than the reactive rule at every check; from twenty minutes
            // on, for what the demand will need one horizon later, give or take a replica (the forecast moves one
            // slot at a time, and Holt-Winters takes a while to learn the trend).
            if (t >= ramp + TimeSpan.FromMinutes(10))
            {
                Assert.True(proposal.Replicas > reactive, $"{t}: {proposal} does not lead the reactive {reactive}");
            }

            if (t >= ramp + TimeSpan.FromMinutes(20))
            {
                var needed = (int)Math.Ceiling(Demand(t + horizon) / 10);
                Assert.True(proposal.Replicas >= needed - 1, $"{t}: {proposal} is short of the {needed} needed at {t + horizon}");
            }
        }
    }

    [Theory]
    [InlineData(ForecastMethod.HoltWinters)]
    [InlineData(ForecastMethod.SeasonalNaive)]
    public void A_forecast_that_collapses_to_zero_cannot_go_below_the_reactive_proposal(ForecastMethod method)
    {
        // An outage one season ago (no traffic from 00:20 to 00:40) teaches the forecast that this time of the
        // season has no demand; today the demand is there as usual.
        var season = TimeSpan.FromHours(1);
        static double Demand(TimeSpan t) => t < TimeSpan.FromHours(1) && t.TotalMinutes is >= 20 and < 40 ? 0 : 200;
        var clock = new FakeTimeProvider(Start);
        var policy = new PredictivePolicy(Options(method, season), clock);

        var collapsed = 0;
        for (var t = TimeSpan.Zero; t < TimeSpan.FromMinutes(100); t += CheckInterval)
        {
            clock.SetUtcNow(Start + t);
            var demand = Demand(t);
            var proposal = policy.Propose(20, MetricReading.Ok("rps", demand));
            Assert.True(proposal.Replicas >= Math.Ceiling(demand / 10), $"{t}: {proposal}");
            if (policy.LastForecast < 50)
            {
                collapsed++;
                Assert.Equal(20, proposal.Replicas); // ceil(200 / 10), the reactive count, not the forecast's 0
                Assert.Contains("(forecast 0 asks for no more)", proposal.Reason, StringComparison.Ordinal);
            }
        }

        Assert.True(collapsed > 0, "the forecast never collapsed: the scenario does not test what it should");
    }

    [Fact]
    public void While_warming_up_it_proposes_what_the_reactive_target_does()
    {
        var clock = new FakeTimeProvider(Start);
        var policy = new PredictivePolicy(Options(ForecastMethod.HoltWinters, TimeSpan.FromHours(1)), clock);
        var reactive = new TargetPolicy(new TargetPolicyOptions { Target = 10, Type = TargetType.AverageValue });

        for (var i = 0; i < 300; i++)
        {
            var reading = MetricReading.Ok("rps", 50 + (i % 40));
            var proposal = policy.Propose(6, reading);
            Assert.Equal(reactive.Propose(6, reading).Replicas, proposal.Replicas);
            Assert.Equal("predictive", proposal.Policy);
            clock.Advance(CheckInterval);
        }

        Assert.False(policy.IsWarm);
        Assert.Null(policy.LastForecast);
        Assert.Matches(@"^\d+ against target 10 per replica \(forecast warming up: \d+ % of a season seen\)$", policy.Propose(6, MetricReading.Ok("rps", 80)).Reason);
    }

    [Fact]
    public void Once_warm_the_reactive_safety_rule_allows_its_own_value_per_replica_and_before_that_the_forecasts()
    {
        var clock = new FakeTimeProvider(Start);
        var options = Options(ForecastMethod.HoltWinters, TimeSpan.FromHours(1));
        options.ReactiveTarget = 12;
        var policy = new PredictivePolicy(options, clock);

        // Warming up: the reactive rule at the forecast's target, ceil(95 / 10), not ceil(95 / 12) = 8.
        Assert.Equal(10, policy.Propose(6, MetricReading.Ok("rps", 95)).Replicas);
        for (var t = CheckInterval; t < TimeSpan.FromMinutes(70); t += CheckInterval)
        {
            clock.SetUtcNow(Start + t);
            policy.Propose(10, MetricReading.Ok("rps", 95));
        }

        Assert.True(policy.IsWarm);
        clock.Advance(CheckInterval);
        var steady = policy.Propose(10, MetricReading.Ok("rps", 95));
        Assert.Equal(10, steady.Replicas); // the forecast of 95 against 10 per replica keeps the headroom
        Assert.StartsWith("forecast 95 one horizon ahead against target 10 per replica", steady.Reason, StringComparison.Ordinal);

        // A jump the forecast has not seen: the safety rule takes over at 12 per replica.
        clock.Advance(CheckInterval);
        var jump = policy.Propose(10, MetricReading.Ok("rps", 200));
        Assert.Equal(17, jump.Replicas); // ceil(200 / 12); the forecast's target would give 20
        Assert.Equal("200 against target 12 per replica (forecast 95 asks for no more)", jump.Reason);
    }

    [Fact]
    public void A_reactive_value_below_the_forecasts_is_refused()
    {
        var options = new PredictivePolicyOptions { Target = 30, ReactiveTarget = 20 };

        var (field, problem) = Assert.Single(options.Problems());

        Assert.Equal("ReactiveTarget", field);
        Assert.Equal("20 must be a number at least value 30 (the safety rule may only allow more demand per replica, not less)", problem);
        Assert.Empty(new PredictivePolicyOptions { Target = 30, ReactiveTarget = 30 }.Problems());
    }

    [Fact]
    public void Seeded_history_makes_it_warm_at_once_and_forecast_well()
    {
        // An hour's cycle in 10 s samples, as a query_range over the last two hours would return it.
        static double Wave(DateTimeOffset t) => 100 + (80 * Math.Sin(2 * Math.PI * (t - Start).TotalHours));
        var now = Start + TimeSpan.FromHours(2);
        var clock = new FakeTimeProvider(now);
        var options = Options(ForecastMethod.HoltWinters, TimeSpan.FromHours(1));
        options.SampleInterval = TimeSpan.FromSeconds(10);
        var policy = new PredictivePolicy(options, clock);
        var history = Enumerable.Range(0, 720).Select(i => Start + TimeSpan.FromSeconds((10 * i) + 5)).Select(t => (t, Wave(t))).ToList();
        history.Insert(10, (Start.AddSeconds(101), double.NaN));

        var taken = policy.Seed(history);
        var proposal = policy.Propose(5, MetricReading.Ok("rps", Wave(now)));

        Assert.Equal(720, taken);
        Assert.True(policy.IsWarm);
        var truth = Wave(now + TimeSpan.FromSeconds(40));
        Assert.Equal(truth, policy.LastForecast!.Value, truth * 0.03);
        Assert.Equal((int)Math.Ceiling(policy.LastForecast!.Value / 10), proposal.Replicas);
    }

    [Fact]
    public void Short_gaps_hold_the_last_value_and_a_gap_longer_than_a_season_restarts_the_warm_up()
    {
        var clock = new FakeTimeProvider(Start);
        var policy = new PredictivePolicy(Options(ForecastMethod.SeasonalNaive, TimeSpan.FromHours(1)), clock);
        for (var i = 0; i < 400; i++)
        {
            policy.Propose(3, MetricReading.Ok("rps", 100));
            clock.Advance(CheckInterval);
        }

        Assert.True(policy.IsWarm);
        clock.Advance(TimeSpan.FromMinutes(20)); // the scaler was stopped for a while
        policy.Propose(3, MetricReading.Ok("rps", 100));
        Assert.True(policy.IsWarm);
        Assert.Equal(100, policy.LastForecast!.Value, 6);

        clock.Advance(TimeSpan.FromHours(2));
        policy.Propose(3, MetricReading.Ok("rps", 100));
        Assert.False(policy.IsWarm);
    }

    [Fact]
    public void A_failed_reading_gets_no_opinion()
    {
        var policy = new PredictivePolicy(Options(ForecastMethod.HoltWinters), new FakeTimeProvider(Start));

        var proposal = policy.Propose(3, MetricReading.Failed("rps", MetricFailureKind.Timeout, "slow"));

        Assert.Null(proposal.Replicas);
        Assert.Equal("no value (Timeout)", proposal.Reason);
    }

    [Theory]
    [InlineData(ForecastMethod.HoltWinters)]
    [InlineData(ForecastMethod.SeasonalNaive)]
    public void Propose_allocates_nothing_in_steady_state(ForecastMethod method)
    {
        var clock = new FakeTimeProvider(Start);
        var policy = new PredictivePolicy(Options(method, TimeSpan.FromHours(1)), clock);
        var readings = Enumerable.Range(0, 97).Select(i => MetricReading.Ok("rps", 100 + (60 * Math.Sin(i / 7.0)))).ToArray();
        var replicas = 0L;
        void Drive(int calls)
        {
            for (var i = 0; i < calls; i++)
            {
                clock.Advance(CheckInterval);
                replicas += policy.Propose(5 + (i % 4), readings[i % readings.Length]).Replicas ?? 0;
            }
        }

        Drive(2_000); // past the first season: the forecast is in use
        Assert.True(policy.IsWarm);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Drive(20_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(replicas > 0);
    }

    [Fact]
    public void Bad_options_are_refused_naming_every_field()
    {
        var options = new PredictivePolicyOptions
        {
            Target = 0,
            Alpha = 0,
            SeasonLength = TimeSpan.FromSeconds(90),
            SampleInterval = TimeSpan.FromMinutes(1),
            Horizon = TimeSpan.FromMinutes(10),
        };

        var problems = options.Problems().Select(p => p.Field).ToList();
        var e = Assert.Throws<ArgumentException>(() => new PredictivePolicy(options, TimeProvider.System));

        Assert.Equal(["Target", "Alpha", "SeasonLength", "Horizon"], problems);
        Assert.Contains("SeasonLength 90s must be a whole number of sampleInterval 60s", e.Message, StringComparison.Ordinal);
        Assert.Contains("Horizon 600s must be longer than 0s and at most half of seasonLength 90s", e.Message, StringComparison.Ordinal);
        var tooFine = new PredictivePolicyOptions { SeasonLength = TimeSpan.FromDays(7), SampleInterval = TimeSpan.FromSeconds(1) };
        Assert.Contains("holds 604800 samples of 1s; it must hold 4 to 100000", Assert.Single(tooFine.Problems()).Problem, StringComparison.Ordinal);
        Assert.True(new PredictivePolicyOptionsValidator().Validate("Predictive", options).Failed);
        Assert.Empty(new PredictivePolicyOptions().Problems());
    }
}
