using Autoscaler.Core.PolicyFiles;
using Autoscaler.Simulation.Model;
using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Simulation.Tests.Model;

/// <summary>The service model against queueing theory: one M/M/c replica at constant load.</summary>
public sealed class ErlangCTests
{
    [Theory]
    [InlineData(0.3)]
    [InlineData(0.6)]
    [InlineData(0.8)]
    [InlineData(0.9)]
    public void Simulated_mean_latency_of_one_replica_matches_Erlang_C_within_5_percent(double rho)
    {
        var service = new ServiceModelSpec(); // W = 4 workers, exponential service with mean 100 ms, Q = 100
        var lambda = rho * service.CapacityPerReplica;
        var scenario = new Scenario
        {
            Name = "erlang-c",
            Duration = TimeSpan.FromMinutes(20),
            Workload = new ConstantRate(lambda),
            Service = service,
            Slo = new Results.SloSpec(10, Results.LatencyStatistic.Mean, 1),
            Policies = [new PolicyChoice("one", OneReplica())],
        };

        var result = SimulationRunner.Run(scenario, cancellationToken: TestContext.Current.CancellationToken);

        var run = Assert.Single(result.Policies, p => p.Score.Policy == "one");
        var expected = ErlangCResponseTime(service.Workers, lambda, 1 / service.ServiceTime.TotalSeconds);
        var simulated = run.Score.MeanLatencySeconds;
        Assert.True(Math.Abs(simulated - expected) <= 0.05 * expected,
            $"rho {rho}: simulated mean latency {simulated:0.#####} s, Erlang C {expected:0.#####} s");
        Assert.Equal(0, run.Score.DroppedRequests);
    }

    /// <summary>M/M/c mean response time: Erlang C's waiting probability over the spare rate, plus the service time.</summary>
    private static double ErlangCResponseTime(int c, double lambda, double mu)
    {
        var a = lambda / mu; // offered load in Erlangs
        double sum = 0, term = 1;
        for (var k = 0; k < c; k++)
        {
            sum += term;
            term *= a / (k + 1);
        }

        var top = term * c / (c - a); // a^c / c! · c / (c − a)
        var waitProbability = top / (sum + top);
        return (waitProbability / ((c * mu) - lambda)) + (1 / mu);
    }

    private static PolicySpec OneReplica() => new()
    {
        MinReplicas = 1,
        MaxReplicas = 1,
        Metrics = [new MetricSpec { Name = "one", Fixed = 1 }],
    };
}
