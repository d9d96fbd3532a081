using Autoscaler.Simulation.Model;

namespace Autoscaler.Simulation.Tests.Model;

/// <summary>The replica set's rules: start-up delay, overload and the queue limit, draining, no replica at all.</summary>
public sealed class ReplicaSetTests
{
    private static readonly ServiceModelSpec Demo = new(); // W = 4, S = 100 ms exponential, Q = 100: 40 req/s per replica

    private static ReplicaSet Replicas(int ready, ServiceModelSpec? spec = null) =>
        new(ServiceCurves.For(spec ?? Demo), spec ?? Demo, 1, ready);

    [Fact]
    public void New_replicas_serve_only_after_the_start_up_delay_and_count_for_cost_at_once()
    {
        var set = Replicas(1);
        set.ScaleTo(3, step: 0);
        var outcome = default(StepOutcome);
        for (var step = 0; step < 5; step++)
        {
            set.Promote(step);
            Assert.Equal((1, 2, 3), (set.Ready, set.Starting, set.Target));
            set.Step(20, ref outcome);
            Assert.Equal(3, outcome.ReplicaSeconds);
        }

        set.Promote(5);
        Assert.Equal((3, 0), (set.Ready, set.Starting));
    }

    [Fact]
    public void Removing_replicas_takes_the_ones_still_starting_first()
    {
        var set = Replicas(2);
        set.ScaleTo(4, step: 0);
        set.ScaleTo(3, step: 1);
        Assert.Equal((2, 1), (set.Ready, set.Starting));
        set.ScaleTo(1, step: 2);
        Assert.Equal((1, 0), (set.Ready, set.Starting));
    }

    [Fact]
    public void An_overloaded_replica_fills_its_queue_at_the_excess_rate_then_rejects_the_excess()
    {
        var set = Replicas(1);
        var outcome = default(StepOutcome);
        for (var step = 0; step < 3; step++)
        {
            set.Step(60, ref outcome); // 20 req/s more than one replica's 40
        }

        // Three seconds in, about 3 × 20 = 60 requests wait and hardly any has been rejected yet.
        Assert.InRange(outcome.QueueLength, 45, 65);
        Assert.True(outcome.Dropped < 0.05 * outcome.Offered, $"dropped {outcome.Dropped}");

        for (var step = 3; step < 60; step++)
        {
            set.Step(60, ref outcome);
        }

        // Full: 100 waiting, the excess 20 req/s rejected, a request waits about Q / (W/S) = 2.5 s behind the queue.
        Assert.InRange(outcome.QueueLength, 95, 100);
        Assert.InRange(outcome.Dropped, 19, 21);
        Assert.InRange(outcome.Served, 39, 40.01);
        Assert.InRange(outcome.MeanLatency, 2.4, 2.7);
        Assert.True(outcome.P95Latency > outcome.MeanLatency);
    }

    [Fact]
    public void A_removed_replica_drains_its_queue_and_is_paid_for_until_it_has()
    {
        var set = Replicas(2);
        var outcome = default(StepOutcome);
        for (var step = 0; step < 30; step++)
        {
            set.Step(120, ref outcome); // both replicas full
        }

        var queued = set.Content;
        set.ScaleTo(1, step: 30);
        set.Promote(30);
        set.Step(0, ref outcome);

        // The removed replica works at 40 req/s on its ~104 requests: busy the whole step, not yet done.
        Assert.True(queued > 100, $"content {queued}");
        Assert.Equal(2, outcome.ReplicaSeconds, 6);
        double served = outcome.Served;
        for (var step = 31; step < 40; step++)
        {
            set.Step(0, ref outcome);
            served += outcome.Served;
        }

        Assert.Equal(2 * queued, served, 3); // every request of both replicas completed, none dropped
        Assert.Equal(1, outcome.ReplicaSeconds, 6);
    }

    [Fact]
    public void What_a_removed_replica_cannot_finish_within_the_drain_time_is_dropped()
    {
        var spec = Demo with { DrainTime = TimeSpan.FromSeconds(1) };
        var set = Replicas(2, spec);
        var outcome = default(StepOutcome);
        for (var step = 0; step < 30; step++)
        {
            set.Step(120, ref outcome);
        }

        var queued = set.Content;
        set.ScaleTo(1, step: 30);
        set.Step(0, ref outcome);

        Assert.Equal(queued - 40, outcome.Dropped, 6); // one second at 40 req/s, the rest cut off
    }

    [Fact]
    public void With_no_replica_ready_every_request_is_dropped()
    {
        var set = Replicas(0);
        var outcome = default(StepOutcome);
        set.Step(25, ref outcome);
        Assert.Equal((25.0, 25.0, 0.0), (outcome.Offered, outcome.Dropped, outcome.Served));
    }

    [Fact]
    public void At_steady_state_throughput_equals_demand_and_latency_stays_near_the_service_time_at_low_load()
    {
        var set = Replicas(3);
        var outcome = default(StepOutcome);
        for (var step = 0; step < 20; step++)
        {
            set.Step(30, ref outcome); // ρ = 0.25
        }

        Assert.Equal(30, outcome.Served, 6);
        Assert.Equal(0, outcome.Dropped, 9);
        Assert.InRange(outcome.MeanLatency, 0.1, 0.101);
        Assert.InRange(outcome.Utilization, 0.249, 0.251);
        Assert.InRange(outcome.P95Latency, 0.1 * Math.Log(20), 0.31); // little more than the exponential service time's own p95
    }
}
