using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Simulation.Tests.Scenarios;

/// <summary>Reading a scenario that lists several services sharing one machine budget.</summary>
public sealed class FleetScenarioTests
{
    private const string Valid = """
        duration: 10m
        replicas: {total: 9}
        policies: [threshold, hpa]
        services:
          - name: shop
            workload: {type: constant, rate: 50}
            replicas: {min: 2, max: 6}
          - name: search
            workload: constant(rate=30)
            service: {workers: 8, serviceTime: 50ms}
            replicas: {min: 1, max: 5, initial: 3}
        """;

    private static Scenario Parse(string yaml) => ScenarioFile.Parse(yaml, "s.yaml", Path.GetTempPath());

    private static string Refused(string yaml) =>
        string.Join("\n", Assert.Throws<ScenarioException>(() => Parse(yaml)).Problems);

    [Fact]
    public void Services_with_a_total_are_read_each_with_its_own_model_limits_and_policies()
    {
        var s = Parse(Valid);

        Assert.True(s.IsFleet);
        Assert.Equal(9, s.TotalReplicas);
        Assert.Equal(["threshold", "hpa"], s.Policies.Select(p => p.Name));
        Assert.Equal(["shop", "search"], s.Services.Select(f => f.Name));
        var (shop, search) = (s.Services[0], s.Services[1]);
        Assert.Equal((2, 6, 2), (shop.MinReplicas, shop.MaxReplicas, shop.InitialReplicas));
        Assert.Equal((1, 5, 3), (search.MinReplicas, search.MaxReplicas, search.InitialReplicas));
        Assert.Equal(50, shop.Workload.RateAt(TimeSpan.FromMinutes(3)));
        Assert.Equal(30, search.Workload.RateAt(TimeSpan.FromMinutes(3)));
        Assert.Equal(8, search.Service.Workers);

        // Each service runs every policy, sized from its own model and limits: hpa's target is 75 % of W/S.
        Assert.Equal(["threshold", "hpa"], search.Policies.Select(p => p.Name));
        Assert.Equal(5, search.Policies[1].Spec.MaxReplicas);
        Assert.Equal(6, shop.Policies[1].Spec.MaxReplicas);
        Assert.Equal(BuiltInPolicies.HpaPolicy(search.Service, 1, 5).Metrics[0].Target!.Target, search.Policies[1].Spec.Metrics[0].Target!.Target);
        Assert.NotEqual(shop.Policies[1].Spec.Metrics[0].Target!.Target, search.Policies[1].Spec.Metrics[0].Target!.Target);
    }

    [Fact]
    public void A_service_with_a_policy_of_its_own_runs_it_in_every_run()
    {
        var s = Parse(Valid.Replace("    replicas: {min: 1, max: 5, initial: 3}", "    replicas: {min: 1, max: 5, initial: 3}\n    policy: threshold", StringComparison.Ordinal));

        Assert.Equal(["threshold", "hpa"], s.Services[1].Policies.Select(p => p.Name));
        Assert.All(s.Services[1].Policies, p => Assert.Equal(BuiltInPolicies.ThresholdPolicy(1, 5).Metrics[0].Query, p.Spec.Metrics[0].Query));
    }

    [Fact]
    public void When_every_service_has_its_own_policy_there_is_one_run()
    {
        var s = Parse("""
            duration: 10m
            services:
              - {name: a, workload: constant(rate=10), policy: hpa}
              - {name: b, workload: constant(rate=10), policy: threshold}
            """);

        Assert.Equal([Scenario.OwnPoliciesRun], s.Policies.Select(p => p.Name));
        Assert.Null(s.TotalReplicas);
        Assert.Equal(BuiltInPolicies.Hpa, s.Services[0].OwnPolicy!.Name);
    }

    [Fact]
    public void A_service_field_at_the_top_beside_services_is_refused_with_where_it_belongs()
    {
        var problems = Refused("""
            duration: 10m
            workload: constant(rate=10)
            service: {workers: 2}
            replicas: {min: 1, total: 4}
            services:
              - {name: a, workload: constant(rate=10)}
            """);

        Assert.Contains("s.yaml:2: workload: belongs to each service when the scenario lists services: move it under services[i].workload", problems, StringComparison.Ordinal);
        Assert.Contains("s.yaml:3: service: belongs to each service", problems, StringComparison.Ordinal);
        Assert.Contains("s.yaml:4: replicas.min: belongs to each service", problems, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_services_of_one_name_are_refused()
    {
        var problems = Refused("""
            duration: 10m
            services:
              - {name: shop, workload: constant(rate=10)}
              - {name: shop, workload: constant(rate=20)}
            """);

        Assert.Contains("s.yaml:4: services[1].name: 'shop' is the name of services[0] too", problems, StringComparison.Ordinal);
    }

    [Fact]
    public void A_total_below_the_sum_of_the_minimums_is_refused_naming_each()
    {
        var problems = Refused("""
            duration: 10m
            replicas: {total: 3}
            services:
              - {name: a, workload: constant(rate=10), replicas: {min: 2}}
              - {name: b, workload: constant(rate=10), replicas: {min: 2}}
            """);

        Assert.Contains("s.yaml:2: replicas.total: 3 is below the services' minimums, 4 in all (a 2, b 2)", problems, StringComparison.Ordinal);
    }

    [Fact]
    public void A_total_below_what_the_services_start_with_is_refused()
    {
        var problems = Refused("""
            duration: 10m
            replicas: {total: 4}
            services:
              - {name: a, workload: constant(rate=10), replicas: {initial: 3}}
              - {name: b, workload: constant(rate=10), replicas: {initial: 2}}
            """);

        Assert.Contains("replicas.total: 4 is below the replicas the services start with, 5 in all (a 3, b 2)", problems, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("services: []", "services: is empty")]
    [InlineData("services:\n  - {workload: constant(rate=10)}", "services[0].name: is required")]
    [InlineData("services:\n  - {name: a}", "services[0].workload: is required")]
    [InlineData("services:\n  - {name: 'a/b', workload: constant(rate=10)}", "services[0].name: 'a/b' must start with a letter or digit")]
    [InlineData("services:\n  - {name: a, workload: constant(rate=10), replicas: {total: 3}}", "services[0].replicas.total: is the cap on all services together")]
    [InlineData("services:\n  - {name: a, workload: constant(rate=10), colour: red}", "services[0].colour: unknown field")]
    [InlineData("services:\n  - {name: a, workload: constant(rate=10), policy: nope}", "services[0].policy: policy 'nope' is neither")]
    [InlineData("replicas: {total: 0}\nservices:\n  - {name: a, workload: constant(rate=10)}", "replicas.total")]
    [InlineData("policies: [hpa]\nservices:\n  - {name: a, workload: constant(rate=10), policy: slo}", "policies: every service names its own policy")]
    public void A_bad_services_list_is_refused_naming_the_field(string yaml, string expected)
    {
        Assert.Contains(expected, Refused("duration: 10m\n" + yaml), StringComparison.Ordinal);
    }

    [Fact]
    public void A_total_without_services_is_refused()
    {
        var problems = Refused("duration: 10m\nworkload: constant(rate=10)\nreplicas: {max: 4, total: 8}");

        Assert.Contains("s.yaml:3: replicas.total: caps the replicas of several services", problems, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scenario_of_one_service_reads_as_before()
    {
        var s = Parse("duration: 10m\nworkload: constant(rate=10)\nreplicas: {max: 4}");

        Assert.False(s.IsFleet);
        Assert.Empty(s.Services);
        Assert.Null(s.TotalReplicas);
        Assert.Equal(4, s.MaxReplicas);
        Assert.IsType<ConstantRate>(s.Workload);
    }

    [Fact]
    public void More_policies_are_resolved_against_each_service()
    {
        var s = Parse(Valid).WithPolicies(["slo"], Path.GetTempPath());

        Assert.Equal(["threshold", "hpa", "slo"], s.Policies.Select(p => p.Name));
        Assert.All(s.Services, f => Assert.Equal(["threshold", "hpa", "slo"], f.Policies.Select(p => p.Name)));
        Assert.Equal(5, s.Services[1].Policies[2].Spec.MaxReplicas);
        var repeat = Assert.Throws<ScenarioException>(() => s.WithPolicies(["hpa"], Path.GetTempPath()));
        Assert.Contains("runs already", repeat.Message, StringComparison.Ordinal);
    }
}
