using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Queueing;
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
            Slo = new Results.SloSpec(10, LatencyStatistic.Mean, 1),
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

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.6)]
    [InlineData(0.8)]
    [InlineData(0.9)]
    public void Simulated_p95_latency_of_one_replica_matches_the_M_M_c_response_time_distribution_within_5_percent(double rho)
    {
        var service = new ServiceModelSpec();
        var lambda = rho * service.CapacityPerReplica;
        var scenario = new Scenario
        {
            Duration = TimeSpan.FromMinutes(20),
            Workload = new ConstantRate(lambda),
            Slo = new Results.SloSpec(10, LatencyStatistic.P95, 1),
            Policies = [new PolicyChoice("one", OneReplica())],
        };

        var run = Assert.Single(SimulationRunner.Run(scenario, cancellationToken: TestContext.Current.CancellationToken).Policies, p => p.Score.Policy == "one");

        var expected = ResponseTimePercentile(service.Workers, lambda, 1 / service.ServiceTime.TotalSeconds, 0.95);
        var simulated = run.Score.P95LatencySeconds;
        Assert.True(Math.Abs(simulated - expected) <= 0.05 * expected, $"rho {rho}: simulated p95 {simulated:0.#####} s, M/M/c {expected:0.#####} s");
    }

    /// <summary>
    /// M/M/c response time T = W + S: W is 0 with probability 1 − C and exponential with rate cμ − λ otherwise, S is
    /// exponential with rate μ, so P(T &gt; t) = (1 − C)e^(−μt) + C·(θe^(−μt) − μe^(−θt))/(θ − μ) with θ = cμ − λ.
    /// </summary>
    private static double ResponseTimePercentile(int c, double lambda, double mu, double percentile)
    {
        var waitProbability = ErlangC(c, lambda, mu);
        var theta = (c * mu) - lambda;
        double Tail(double t) => ((1 - waitProbability) * Math.Exp(-mu * t))
            + (waitProbability * ((theta * Math.Exp(-mu * t)) - (mu * Math.Exp(-theta * t))) / (theta - mu));
        double lo = 0, hi = 100;
        for (var i = 0; i < 200; i++)
        {
            var mid = (lo + hi) / 2;
            (lo, hi) = Tail(mid) > 1 - percentile ? (mid, hi) : (lo, mid);
        }

        return hi;
    }

    private static double ErlangC(int c, double lambda, double mu)
    {
        var a = lambda / mu;
        double sum = 0, term = 1;
        for (var k = 0; k < c; k++)
        {
            sum += term;
            term *= a / (k + 1);
        }

        var top = term * c / (c - a);
        return top / (sum + top);
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
