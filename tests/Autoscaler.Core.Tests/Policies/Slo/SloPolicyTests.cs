using Autoscaler.Core.Metrics;
using Autoscaler.Core.Policies.Slo;
using Autoscaler.Core.Queueing;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Core.Tests.Policies.Slo;

public sealed class SloPolicyTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Check = TimeSpan.FromSeconds(10);

    private static SloPolicyOptions Declared(double latencySeconds = 0.3, LatencyStatistic statistic = LatencyStatistic.Mean) => new()
    {
        Latency = TimeSpan.FromSeconds(latencySeconds),
        Statistic = statistic,
        Workers = 4,
        ServiceTime = TimeSpan.FromMilliseconds(100),
        Forecast = SloForecast.None,
    };

    private static SloPolicyOptions Learning(TimeSpan? declared = null) => new()
    {
        Latency = TimeSpan.FromMilliseconds(300),
        Workers = 4,
        ServiceTime = declared,
        Forecast = SloForecast.None,
        Learn = new SloLearnQueries { Utilization = "u", Throughput = "x", Latency = "l" },
    };

    /// <summary>Erlang C: the probability an arrival waits in M/M/c at offered load a = λ/μ (infinite queue).</summary>
    private static double ErlangC(int c, double a)
    {
        var b = 1.0; // Erlang B by its recursion
        for (var k = 1; k <= c; k++)
        {
            b = a * b / (k + (a * b));
        }

        var rho = a / c;
        return b / (1 - (rho * (1 - b)));
    }

    [Theory]
    [InlineData(0.15)]
    [InlineData(0.3)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void The_safe_rate_for_a_mean_latency_bound_agrees_with_Erlang_C_within_5_percent(double bound)
    {
        var policy = new SloPolicy(Declared(bound), new FakeTimeProvider(Start));

        // Erlang C's mean latency S + C/(cμ − λ) grows with λ: bisect for the λ where it meets the bound.
        const int c = 4;
        const double mu = 10;
        double lo = 0, hi = c * mu;
        for (var i = 0; i < 100; i++)
        {
            var mid = (lo + hi) / 2;
            var latency = (1 / mu) + (ErlangC(c, mid / mu) / ((c * mu) - mid));
            (lo, hi) = latency <= bound ? (mid, hi) : (lo, mid);
        }

        var safe = policy.Snapshot.SafeRate;
        Assert.InRange(safe / lo, 0.95, 1.05);
    }

    [Fact]
    public void The_count_is_demand_with_its_margins_over_the_safe_rate_and_the_reason_says_so()
    {
        var policy = new SloPolicy(Declared(), new FakeTimeProvider(Start));
        var safe = policy.Snapshot.SafeRate;

        var proposal = policy.Propose(2, MetricReading.Ok("rps", 200));

        // The larger of the 10 % prior headroom and one second's counting noise, 1.64·√200 = 23.3.
        Assert.Equal((int)Math.Ceiling((200 + (1.6449 * Math.Sqrt(200))) / safe), proposal.Replicas);
        Assert.Equal((int)Math.Ceiling(2000 * 1.1 / safe), policy.Propose(2, MetricReading.Ok("rps", 2000)).Replicas); // √2000·1.64 = 74 < 200
        Assert.Contains("demand 200/s", proposal.Reason, StringComparison.Ordinal);
        Assert.Contains("mean ≤ 300ms", proposal.Reason, StringComparison.Ordinal);
        Assert.Equal(0, policy.Propose(5, MetricReading.Ok("rps", 0)).Replicas);
    }

    [Fact]
    public void A_p95_bound_allows_fewer_requests_per_replica_than_the_same_mean_bound()
    {
        var mean = new SloPolicy(Declared(0.5), new FakeTimeProvider(Start)).Snapshot.SafeRate;
        var p95 = new SloPolicy(Declared(0.5, LatencyStatistic.P95), new FakeTimeProvider(Start)).Snapshot.SafeRate;

        Assert.True(p95 < mean, $"p95 {p95:0.##}/s against mean {mean:0.##}/s");
        Assert.True(p95 > 0);
    }

    [Fact]
    public void Capacity_learning_converges_from_a_wrong_declared_service_time()
    {
        var clock = new FakeTimeProvider(Start);
        var policy = new SloPolicy(Learning(TimeSpan.FromMilliseconds(200)), clock); // the real replica does 40/s, not 20/s
        Assert.InRange(policy.Snapshot.Capacity, 19.9, 20.1);

        var random = new Random(5);
        for (var i = 0; i < 100; i++)
        {
            clock.Advance(Check);
            var throughput = 15 + (10 * random.NextDouble()); // per replica
            var utilization = throughput / 40 * (1 + (0.05 * (random.NextDouble() - 0.5)));
            policy.Learn(3, [MetricReading.Ok("demand", throughput * 3), MetricReading.Ok("demand.throughput", throughput), MetricReading.Ok("demand.utilization", utilization)]);
        }

        Assert.InRange(policy.Snapshot.Capacity, 38, 42);
    }

    [Fact]
    public void Without_a_declared_service_time_it_holds_until_it_has_seen_an_informative_utilization()
    {
        var clock = new FakeTimeProvider(Start);
        var policy = new SloPolicy(Learning(), clock);

        policy.Learn(1, [MetricReading.Ok("demand", 2), MetricReading.Ok("demand.throughput", 2), MetricReading.Ok("demand.utilization", 0.05)]);
        var holding = policy.Propose(1, MetricReading.Ok("demand", 2));
        Assert.Equal(1, holding.Replicas);
        Assert.Contains("capacity has been learnt", holding.Reason, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromMinutes(1));
        policy.Learn(1, [MetricReading.Ok("demand", 20), MetricReading.Ok("demand.throughput", 20), MetricReading.Ok("demand.utilization", 0.5)]);
        Assert.InRange(policy.Snapshot.Capacity, 39.9, 40.1);
        Assert.True(policy.Propose(1, MetricReading.Ok("demand", 100)).Replicas >= 3);
    }

    [Fact]
    public void Learning_waits_a_minute_after_the_replica_count_changes_and_one_odd_sample_moves_it_by_one_percent_at_most()
    {
        var clock = new FakeTimeProvider(Start);
        var policy = new SloPolicy(Learning(TimeSpan.FromMilliseconds(100)), clock);
        MetricReading[] Seen(double throughput, double utilization) =>
            [MetricReading.Ok("demand", throughput * 3), MetricReading.Ok("demand.throughput", throughput), MetricReading.Ok("demand.utilization", utilization)];

        policy.Learn(2, Seen(20, 0.5));
        clock.Advance(TimeSpan.FromSeconds(30));
        policy.Learn(3, Seen(10, 0.5)); // a fleet in flux: 20/s over two replicas read as 10/s over three
        clock.Advance(TimeSpan.FromSeconds(50));
        policy.Learn(3, Seen(10, 0.5));
        Assert.InRange(policy.Snapshot.Capacity, 39.99, 40.01);

        clock.Advance(TimeSpan.FromSeconds(10));
        policy.Learn(3, Seen(10, 0.5)); // steady for a minute: taken, but as one sample 10 % low at most
        Assert.InRange(policy.Snapshot.Capacity, 39.5, 39.7);
    }

    [Fact]
    public void Learning_takes_a_saturated_replica_and_ignores_an_idle_one()
    {
        var clock = new FakeTimeProvider(Start);
        var policy = new SloPolicy(Learning(), clock);
        policy.Learn(1, [MetricReading.Ok("demand", 0.2)]);
        clock.Advance(TimeSpan.FromMinutes(1));

        // An idle replica's few requests say nothing of its capacity.
        policy.Learn(1, [MetricReading.Ok("demand", 0.2), MetricReading.Ok("demand.throughput", 0.2), MetricReading.Ok("demand.utilization", 0.001)]);
        Assert.True(double.IsNaN(policy.Snapshot.Capacity));

        // An overloaded one, at 90/s of demand, accepts what it can do: 40/s at utilization 1.
        clock.Advance(Check);
        policy.Learn(1, [MetricReading.Ok("demand", 90), MetricReading.Ok("demand.throughput", 40), MetricReading.Ok("demand.utilization", 1)]);
        Assert.InRange(policy.Snapshot.Capacity, 39.9, 40.1);
        Assert.True(policy.Propose(1, MetricReading.Ok("demand", 90)).Replicas >= 3);
    }

    [Fact]
    public void Latency_above_the_bound_at_a_safe_load_corrects_capacity_down_and_good_latency_lets_it_creep_back()
    {
        var clock = new FakeTimeProvider(Start);
        var policy = new SloPolicy(Learning(TimeSpan.FromMilliseconds(100)), clock);
        var modelled = policy.Snapshot.SafeRate;
        MetricReading[] Seen(double latency) =>
            [MetricReading.Ok("demand", 60), MetricReading.Ok("demand.throughput", 20), MetricReading.Ok("demand.utilization", 0.5), MetricReading.Ok("demand.latency", latency)];

        // Two checks in violation could be a transient: nothing changes yet.
        policy.Learn(3, Seen(0.45));
        policy.Learn(3, Seen(0.45));
        Assert.Equal(1, policy.Snapshot.Correction);

        for (var i = 0; i < 10; i++)
        {
            clock.Advance(Check);
            policy.Learn(3, Seen(0.45));
        }

        var corrected = policy.Snapshot;
        Assert.True(corrected.Correction < 0.7, $"correction {corrected.Correction}");
        Assert.True(corrected.SafeRate < 0.75 * modelled, $"safe rate {corrected.SafeRate:0.##} against {modelled:0.##}");
        Assert.Contains("latency correction", policy.Propose(3, MetricReading.Ok("demand", 60)).Reason, StringComparison.Ordinal);

        for (var i = 0; i < 50; i++)
        {
            clock.Advance(Check);
            policy.Learn(3, Seen(0.1));
        }

        Assert.True(policy.Snapshot.Correction > corrected.Correction * 1.2, $"correction {policy.Snapshot.Correction}");
        Assert.True(policy.Snapshot.Correction <= 1);
    }

    [Fact]
    public void Latency_feedback_without_a_throughput_query_compares_the_demand_per_replica()
    {
        var clock = new FakeTimeProvider(Start);
        var options = Declared();
        options.Learn = new SloLearnQueries { Latency = "l" };
        var policy = new SloPolicy(options, clock);
        var safe = policy.Snapshot.SafeRate;

        for (var i = 0; i < 10; i++)
        {
            clock.Advance(Check);
            // 3 replicas at half the safe rate each, yet the latency breaks the bound: the service is slower than declared.
            policy.Learn(3, [MetricReading.Ok("demand", 1.5 * safe), MetricReading.Ok("demand.latency", 0.45)]);
        }

        Assert.True(policy.Snapshot.Correction < 0.8, $"correction {policy.Snapshot.Correction}");
        var overloaded = new SloPolicy(options, clock);
        for (var i = 0; i < 10; i++)
        {
            clock.Advance(Check);
            policy.Learn(1, [MetricReading.Ok("demand", 2 * safe), MetricReading.Ok("demand.latency", 0.45)]); // beyond the safe rate
            overloaded.Learn(1, [MetricReading.Ok("demand", 2 * safe), MetricReading.Ok("demand.latency", 0.45)]);
        }

        Assert.Equal(1, overloaded.Snapshot.Correction);
    }

    [Fact]
    public void A_saturated_replica_whose_utilization_reads_a_little_above_one_still_teaches_its_capacity()
    {
        var clock = new FakeTimeProvider(Start);
        var policy = new SloPolicy(Learning(), clock);
        policy.Learn(1, [MetricReading.Ok("demand", 90)]);
        clock.Advance(TimeSpan.FromMinutes(1));

        policy.Learn(1, [MetricReading.Ok("demand", 90), MetricReading.Ok("demand.throughput", 40), MetricReading.Ok("demand.utilization", 1.04)]);
        Assert.InRange(policy.Snapshot.Capacity, 39.9, 40.1);

        // Far above 1, the queries are not what they claim: not taken.
        clock.Advance(Check);
        policy.Learn(1, [MetricReading.Ok("demand", 90), MetricReading.Ok("demand.throughput", 40), MetricReading.Ok("demand.utilization", 4)]);
        Assert.Equal(1, policy.Snapshot.Samples);
    }

    [Fact]
    public void A_reason_rendered_later_tells_what_the_rule_knew_when_it_proposed()
    {
        var clock = new FakeTimeProvider(Start);
        var policy = new SloPolicy(Learning(TimeSpan.FromMilliseconds(100)), clock);
        var early = policy.Propose(2, MetricReading.Ok("demand", 60));

        clock.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 30; i++)
        {
            clock.Advance(Check);
            policy.Learn(2, [MetricReading.Ok("demand", 60), MetricReading.Ok("demand.throughput", 30), MetricReading.Ok("demand.utilization", 0.5)]);
        }

        Assert.InRange(policy.Snapshot.Capacity, 50, 60);
        Assert.Contains("capacity 40/s,", early.Reason, StringComparison.Ordinal);
        Assert.Contains("learnt", policy.Propose(2, MetricReading.Ok("demand", 60)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Latency_above_the_bound_while_the_load_is_beyond_the_safe_rate_is_no_reason_to_correct()
    {
        var policy = new SloPolicy(Learning(TimeSpan.FromMilliseconds(100)), new FakeTimeProvider(Start));

        for (var i = 0; i < 20; i++)
        {
            // 39/s per replica is beyond what the model calls safe: the latency is the load's fault, not the model's.
            policy.Learn(1, [MetricReading.Ok("demand", 39), MetricReading.Ok("demand.throughput", 39), MetricReading.Ok("demand.utilization", 0.975), MetricReading.Ok("demand.latency", 0.9)]);
        }

        Assert.Equal(1, policy.Snapshot.Correction);
    }

    [Fact]
    public void The_headroom_grows_with_the_error_of_what_was_planned()
    {
        static double Margin(double noise)
        {
            var clock = new FakeTimeProvider(Start);
            var policy = new SloPolicy(Declared(), clock);
            var random = new Random(9);
            for (var i = 0; i < 400; i++)
            {
                clock.Advance(Check);
                var demand = 200 * (1 + (noise * ((2 * random.NextDouble()) - 1)));
                policy.Learn(5, [MetricReading.Ok("demand", demand)]);
            }

            return policy.Snapshot.Headroom;
        }

        var calm = Margin(0.01);
        var noisy = Margin(0.2);

        Assert.True(calm < 0.03, $"calm demand: {calm:P1}");
        Assert.True(noisy > 0.15, $"noisy demand: {noisy:P1}");
    }

    [Fact]
    public void Checks_further_apart_than_the_horizon_still_check_every_plan()
    {
        var clock = new FakeTimeProvider(Start);
        var policy = new SloPolicy(Declared(), clock);
        var random = new Random(9);
        for (var i = 0; i < 200; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(1)); // the horizon and sample interval are 25 s
            policy.Learn(5, [MetricReading.Ok("demand", 200 * (1 + (0.3 * ((2 * random.NextDouble()) - 1))))]);
        }

        Assert.True(policy.Snapshot.Headroom > 0.2, $"headroom {policy.Snapshot.Headroom:P1}");
    }

    [Theory]
    [InlineData(SloForecast.SeasonalNaive)]
    [InlineData(SloForecast.HoltWinters)]
    public void A_declared_season_starts_replicas_before_a_batch_that_comes_every_ten_minutes(SloForecast method)
    {
        var clock = new FakeTimeProvider(Start);
        var options = Declared();
        options.Forecast = method;
        options.SeasonLength = TimeSpan.FromMinutes(10);
        options.Horizon = TimeSpan.FromSeconds(20);
        var policy = new SloPolicy(options, clock);
        static double Batch(TimeSpan t) => t.TotalMinutes % 10 >= 6 ? 300 : 50;

        int? before = null;
        for (var t = TimeSpan.Zero; t < TimeSpan.FromMinutes(36); t += Check)
        {
            clock.SetUtcNow(Start + t);
            MetricReading[] readings = [MetricReading.Ok("demand", Batch(t))];
            policy.Learn(2, readings);
            if (t == TimeSpan.FromMinutes(35) + TimeSpan.FromSeconds(50))
            {
                before = policy.Propose(2, readings[0]).Replicas; // 10 s before the fourth batch starts
            }
        }

        var cold = new SloPolicy(Declared(), new FakeTimeProvider(Start)).Propose(2, MetricReading.Ok("demand", 50)).Replicas;
        Assert.True(before >= 9, $"{before} replicas 10 s before the batch (reactive: {cold})");
        Assert.True(cold <= 3);
    }

    [Fact]
    public void The_automatic_forecast_finds_a_ten_minute_batch_and_starts_replicas_before_it_but_finds_no_season_in_noise()
    {
        static (SloSnapshot Snapshot, int? Before) Run(Func<TimeSpan, Random, double> demand)
        {
            var clock = new FakeTimeProvider(Start);
            var policy = new SloPolicy(WithAuto(Declared()), clock);
            var random = new Random(3);
            int? before = null;
            for (var t = TimeSpan.Zero; t < TimeSpan.FromMinutes(66); t += Check)
            {
                clock.SetUtcNow(Start + t);
                MetricReading[] readings = [MetricReading.Ok("demand", demand(t, random))];
                policy.Learn(2, readings);
                if (t == TimeSpan.FromMinutes(65) + TimeSpan.FromSeconds(50))
                {
                    before = policy.Propose(2, readings[0]).Replicas; // 10 s before the seventh batch
                }
            }

            return (policy.Snapshot, before);
        }

        static SloPolicyOptions WithAuto(SloPolicyOptions o)
        {
            o.Forecast = SloForecast.Auto;
            return o;
        }

        var batch = Run((t, r) => (t.TotalMinutes % 10 >= 6 ? 300 : 50) * (1 + (0.03 * ((2 * r.NextDouble()) - 1))));
        var noise = Run((t, r) => 50 + (250 * r.NextDouble()));

        Assert.Equal(TimeSpan.FromMinutes(10), batch.Snapshot.Season);
        Assert.True(batch.Before >= 9, $"{batch.Before} replicas 10 s before the batch");
        Assert.Null(noise.Snapshot.Season);
        Assert.True(double.IsNaN(noise.Snapshot.Forecast));
    }

    [Fact]
    public void Propose_allocates_nothing()
    {
        var clock = new FakeTimeProvider(Start);
        var policy = new SloPolicy(Declared(), clock);
        var reading = MetricReading.Ok("demand", 123);
        for (var i = 0; i < 100; i++)
        {
            policy.Propose(3, reading);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            policy.Propose(3, reading);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void An_slo_no_replica_can_meet_is_refused_naming_the_idle_latency()
    {
        var e = Assert.Throws<ArgumentException>(() => new SloPolicy(Declared(0.05), new FakeTimeProvider(Start)));

        Assert.Contains("Latency 50ms (mean) cannot be met by any number of replicas: even an idle replica's mean latency is 100ms", e.Message, StringComparison.Ordinal);
    }
}
