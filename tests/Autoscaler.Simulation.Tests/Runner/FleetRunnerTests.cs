using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;

namespace Autoscaler.Simulation.Tests.Runner;

/// <summary>Simulations of several services sharing one machine budget.</summary>
public sealed class FleetRunnerTests
{
    // 30 minutes at 1 s: under the 2,000 points a series keeps, so every step is in it. shop needs about 3 replicas
    // throughout; search steps from 1 to about 6 for ten minutes; together they need more than a total of 6.
    private static Scenario TwoServices(int? total, string policies = "[hpa]") => ScenarioFile.Parse($$"""
        duration: 30m
        {{(total is { } t ? $"replicas: {{total: {t}}}" : "")}}
        policies: {{policies}}
        services:
          - name: shop
            workload: constant(rate=100)
            replicas: {min: 1, max: 8, initial: 3}
          - name: search
            workload: {type: step, steps: "0s=20,10m=200,20m=20"}
            replicas: {min: 1, max: 8}
        """, "fleet.yaml", Path.GetTempPath(), "fleet");

    private static FleetResult Fleet(Scenario scenario, FleetCapMode mode = FleetCapMode.Compare, int? threads = null) =>
        FleetRunner.Run(scenario, mode, cancellationToken: TestContext.Current.CancellationToken, threads: threads);

    private static SimulationResult Alone(Scenario scenario) => SimulationRunner.Run(scenario, cancellationToken: TestContext.Current.CancellationToken);

    private static PolicyScore Score(FleetOutcome outcome, string service, string policy) =>
        outcome.Services.Single(s => s.Scenario == service).Policies.Single(p => p.Score.Policy == policy).Score;

    [Fact]
    public void Two_services_under_a_shared_cap_that_binds()
    {
        var result = Fleet(TwoServices(total: 6), FleetCapMode.Compare);
        var (capped, free) = (result.WithCap!, result.WithoutCap!);

        // The cap cut search's scale-ups: fewer replicas, more time in violation than the same run without it.
        var (withCap, without) = (Score(capped, "search", "hpa"), Score(free, "search", "hpa"));
        Assert.True(withCap.ReplicaSeconds < without.ReplicaSeconds, $"{withCap.ReplicaSeconds} replica-seconds with the cap, {without.ReplicaSeconds} without");
        Assert.True(withCap.SloViolationSeconds > without.SloViolationSeconds, $"{withCap.SloViolationSeconds} s in violation with the cap, {without.SloViolationSeconds} without");

        var hpa = capped.Totals.Single(t => t.Policy == "hpa");
        Assert.True(hpa.CappedByService["search"] > 0);
        Assert.All(hpa.Decisions, d => Assert.StartsWith("fleet cap: wanted ", d.Reason, StringComparison.Ordinal));
        Assert.All(hpa.Decisions, d => Assert.True(d.Granted < d.Wanted));

        // Never more than the total at any step: the series holds every step of this run.
        Assert.Equal(1800, hpa.Series.Count);
        Assert.All(hpa.Series, p => Assert.True(p.TargetReplicas <= 6 && p.ReadyReplicas <= 6, $"{p.TargetReplicas} replicas at {p.Seconds} s"));
        Assert.Equal(6, hpa.MostReplicas);
        Assert.True(free.Totals.Single(t => t.Policy == "hpa").MostReplicas > 6);

        // The oracles are not held to the cap, and the run says when they need more than it.
        Assert.True(result.OraclesOverCapSeconds > 0);
        Assert.True(result.OraclesMostReplicas > 6);
        Assert.Equal(Score(capped, "search", "oracle"), Score(free, "search", "oracle"));
        Assert.Equal(0, Score(capped, "search", "oracle").SloViolationSeconds);
    }

    [Fact]
    public void The_total_row_adds_up_the_services()
    {
        var result = Fleet(TwoServices(total: 6), FleetCapMode.Capped);
        Assert.Null(result.WithoutCap);
        var outcome = result.WithCap!;
        var hpa = outcome.Totals.Single(t => t.Policy == "hpa");
        var (shop, search) = (Score(outcome, "shop", "hpa"), Score(outcome, "search", "hpa"));
        var oracles = Score(outcome, "shop", "oracle").ReplicaSeconds + Score(outcome, "search", "oracle").ReplicaSeconds;

        Assert.Equal(shop.ReplicaSeconds + search.ReplicaSeconds, hpa.ReplicaSeconds, 6);
        Assert.Equal((shop.ReplicaSeconds + search.ReplicaSeconds) / oracles, hpa.CostRatioToOracle, 9);
        Assert.Equal(shop.SloViolationSeconds + search.SloViolationSeconds, hpa.SloViolationSeconds, 6);
        Assert.Equal(shop.DroppedRequests + search.DroppedRequests, hpa.DroppedRequests);
        Assert.Equal(shop.MeetsSlo && search.MeetsSlo, hpa.MeetsSlo);
        Assert.Equal("oracle", outcome.Totals[0].Policy);
    }

    [Fact]
    public void A_cap_that_never_binds_gives_each_service_the_results_it_has_alone()
    {
        var scenario = TwoServices(total: 100, policies: "[threshold, hpa, slo]");
        var result = Fleet(scenario, FleetCapMode.Capped);

        Assert.All(result.WithCap!.Totals, t => Assert.Equal(0, t.CappedEvaluations));
        Assert.Equal(0, result.OraclesOverCapSeconds);
        for (var i = 0; i < scenario.Services.Count; i++)
        {
            var alone = Alone(scenario.Services[i].Alone(scenario));
            var inFleet = result.WithCap.Services[i];
            Assert.Equal(alone.Policies.Select(p => p.Score.Policy), inFleet.Policies.Select(p => p.Score.Policy));
            foreach (var (a, f) in alone.Policies.Zip(inFleet.Policies))
            {
                Assert.Equal(a.Score, f.Score);
                Assert.Equal(a.Series, f.Series);
                Assert.Equal(a.Parameters, f.Parameters);
            }
        }
    }

    [Fact]
    public void Without_the_cap_a_capped_scenario_runs_each_service_as_if_alone()
    {
        var scenario = TwoServices(total: 6);
        var result = Fleet(scenario, FleetCapMode.Uncapped);

        Assert.Null(result.WithCap);
        var alone = Alone(scenario.Services[1].Alone(scenario));
        Assert.Equal(alone.Policies.Select(p => p.Score), result.WithoutCap!.Services[1].Policies.Select(p => p.Score));
    }

    [Fact]
    public void The_same_scenario_gives_the_same_results_on_one_thread_as_on_all()
    {
        var scenario = TwoServices(total: 6, policies: "[hpa, slo]");
        var one = Fleet(scenario, threads: 1);
        var all = Fleet(scenario);

        foreach (var (a, b) in new[] { (one.WithCap!, all.WithCap!), (one.WithoutCap!, all.WithoutCap!) })
        {
            Assert.Equal(a.Totals.Select(t => (t.ReplicaSeconds, t.SloViolationSeconds, t.CappedEvaluations)), b.Totals.Select(t => (t.ReplicaSeconds, t.SloViolationSeconds, t.CappedEvaluations)));
        }
    }

    [Fact]
    public void The_shipped_example_binds_its_cap_and_its_oracles_keep_every_SLO()
    {
        var scenario = ScenarioFile.Load(Path.Combine(ShippedScenarios.Directory, "fleet-shared-cap.yaml"));
        var result = Fleet(scenario);

        Assert.Equal(["shop", "search"], result.ServiceNames);
        Assert.All(result.WithCap!.Totals, t => Assert.True(t.MostReplicas <= scenario.TotalReplicas, $"{t.Policy}: {t.MostReplicas}"));
        Assert.Contains(result.WithCap.Totals, t => t.CappedEvaluations > 0);
        Assert.All(result.WithCap.Services, s => Assert.Equal(0, s.Policies.Single(p => p.IsOracle).Score.SloViolationSeconds));
        Assert.True(result.WithCap.Totals.Sum(t => t.SloViolationSeconds) > result.WithoutCap!.Totals.Sum(t => t.SloViolationSeconds));
    }

    [Fact]
    public void A_policy_file_whose_minimum_the_cap_cannot_hold_is_refused_before_the_run()
    {
        var directory = Directory.CreateTempSubdirectory();
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, "big.yaml"), "minReplicas: 5\nmaxReplicas: 8\nmetrics:\n  - {name: rps, query: 'sum(rate(webapp_request_count_total[30s]))', target: {type: AverageValue, value: 30}}\n");
            var scenario = ScenarioFile.Parse("""
                duration: 10m
                replicas: {total: 6}
                policies: [big.yaml]
                services:
                  - {name: a, workload: constant(rate=10)}
                  - {name: b, workload: constant(rate=10)}
                """, "s.yaml", directory.FullName);

            var e = Assert.Throws<ScenarioException>(() => Fleet(scenario));
            Assert.Contains("replicas.total: 6 cannot hold the services under policy 'big': their minimums are 10", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
