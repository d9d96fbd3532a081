using System.Diagnostics;
using System.Text.Json;
using Autoscaler.Simulation.Output;
using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Simulation.Tests.Runner;

/// <summary>
/// Issue 15, finding 2: at 10 M req/s the oracle "needed" 72,000 replicas although replicas.max was 6, so every policy's
/// cost read 0.00× the oracle's. The oracle now runs at most replicas.max and the run reports how long the SLO is out
/// of reach even there.
/// </summary>
public sealed class OracleMaxTests
{
    // A minute at 20 req/s, a minute at 1e7, a minute at 20: the middle minute no 6 replicas can serve.
    private static Scenario Spike(int max = 6) => new()
    {
        Name = "spike",
        Duration = TimeSpan.FromMinutes(3),
        Workload = new StepRate([new RatePoint(TimeSpan.Zero, 20), new RatePoint(TimeSpan.FromMinutes(1), 1e7), new RatePoint(TimeSpan.FromMinutes(2), 20)]),
        MaxReplicas = max,
        Policies = [BuiltInPolicies.Resolve(BuiltInPolicies.Hpa, new(), new(0.5, Core.Queueing.LatencyStatistic.Mean, 0.01), 1, max, ".")!],
    };

    [Fact]
    public void The_oracle_never_runs_more_than_replicas_max()
    {
        var result = SimulationRunner.Run(Spike(), cancellationToken: TestContext.Current.CancellationToken);

        var oracle = Assert.Single(result.Policies, p => p.IsOracle);
        Assert.All(oracle.Series, p => Assert.InRange(p.ReadyReplicas, 0, 6));
        Assert.All(oracle.Series, p => Assert.InRange(p.OracleReplicas, 0, 6));
        Assert.Contains(oracle.Series, p => p.ReadyReplicas == 6);
        Assert.Contains("maxReplicas: 6", oracle.Parameters, StringComparison.Ordinal);
    }

    [Fact]
    public void The_time_the_SLO_is_out_of_reach_at_max_is_reported_and_the_cost_ratio_is_no_longer_zero()
    {
        var result = SimulationRunner.Run(Spike(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(6, result.MaxReplicas);
        Assert.Equal(60, result.SloOutOfReachSeconds);
        Assert.Equal(100.0 / 3, result.SloOutOfReachPercent, 9);
        Assert.Equal("1m (33.3 % of the run) needs more than replicas.max 6 replicas to keep the SLO: the oracle runs 6 then and breaks it, as does every policy held to 6", result.OutOfReach);

        // Both run at most 6 replicas: the ratio compares like with like instead of reading 0.00.
        var hpa = Assert.Single(result.Policies, p => !p.IsOracle).Score;
        Assert.InRange(hpa.CostRatioToOracle, 0.5, 2);
        var oracle = Assert.Single(result.Policies, p => p.IsOracle).Score;
        Assert.InRange(oracle.SloViolationSeconds, 60, 70); // the minute out of reach, and the queue it leaves

        using var summary = JsonDocument.Parse(SimulationOutput.Summary(result));
        Assert.Equal(6, summary.RootElement.GetProperty("maxReplicas").GetInt32());
        Assert.Equal(60, summary.RootElement.GetProperty("sloOutOfReachSeconds").GetDouble());
    }

    [Fact]
    public void Within_reach_nothing_is_out_of_reach()
    {
        var result = SimulationRunner.Run(Spike(max: 10_000) with { Workload = new ConstantRate(1000) }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, result.SloOutOfReachSeconds);
        Assert.Null(result.OutOfReach);
        Assert.Equal(0, Assert.Single(result.Policies, p => p.IsOracle).Score.SloViolationSeconds);
    }

    [Fact]
    public void A_run_stops_within_a_moment_of_its_cancellation()
    {
        // A year at a one-second step: minutes of work. Cancelled once it is under way, it stops inside a chunk.
        var scenario = Spike() with { Duration = TimeSpan.FromDays(365), Workload = new SineRate(100, 80, TimeSpan.FromHours(1)) };
        using var stop = new CancellationTokenSource();
        var clock = new Stopwatch();
        var progress = new SynchronousProgress(fraction =>
        {
            if (fraction > 0 && !stop.IsCancellationRequested)
            {
                clock.Start();
                stop.Cancel();
            }
        });

        Assert.ThrowsAny<OperationCanceledException>(() => SimulationRunner.Run(scenario, progress, cancellationToken: stop.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"stopped {clock.Elapsed} after the cancellation");
    }

    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
