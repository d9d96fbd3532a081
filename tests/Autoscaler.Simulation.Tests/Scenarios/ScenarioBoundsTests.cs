using Autoscaler.Simulation.Model;
using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Workloads;
using Autoscaler.Testing;

namespace Autoscaler.Simulation.Tests.Scenarios;

/// <summary>Issue 15, finding 2: every number of a scenario that sizes an array or a loop is bounded, with its line.</summary>
public sealed class ScenarioBoundsTests
{
    private static string Refused(string yaml) =>
        string.Join("\n", Assert.Throws<ScenarioException>(() => ScenarioFile.Parse(yaml, "s.yaml", Path.GetTempPath())).Problems);

    [Theory]
    [InlineData("duration: 400d\nworkload: 10\n", "s.yaml:1: duration: 400d is longer than 1 year (365d), the longest the tool takes here")]
    [InlineData("duration: 365d\nstep: 100ms\nworkload: 10\n", "s.yaml:2: step: 100ms makes 315,360,000 steps of a 365d run, more than the 100,000,000 a run may have; use a longer step or a shorter run")]
    [InlineData("duration: 1h\nworkload: 10\nservice: {startupDelay: 2h}\n", "s.yaml:3: service.startupDelay: 2h is longer than 1h, the longest the tool takes here")]
    [InlineData("duration: 1h\nworkload: 10\nservice: {serviceTime: 2h}\n", "s.yaml:3: service.serviceTime: 2h is longer than 1h, the longest the tool takes here")]
    [InlineData("duration: 1h\nworkload: 10\nobservation: {metrics: [{name: rt, kind: responseTime, window: 2d}]}\n", "s.yaml:3: observation.metrics[0].window: 2d is longer than 1d, the longest the tool takes here")]
    [InlineData("duration: 1h\nworkload: {type: constant, rate: 2e7}\n", "s.yaml:2: workload.rate: 2e7 must be between 0 and 10000000")]
    [InlineData("duration: 1h\nworkload: {type: spike, base: 1, peak: 2, at: 2y, length: 1m}\n", "s.yaml:2: workload.at: '2y' is not a duration (e.g. 30s, 5m)")]
    [InlineData("duration: 1h\nworkload: {type: spike, base: 1, peak: 2, at: 400d, length: 1m}\n", "s.yaml:2: workload.at: 400d is longer than 1 year (365d), the longest the tool takes here")]
    [InlineData("duration: 1h\nworkload: {type: constant, rate: 1}\nreplicas: {max: 10001}\n", "s.yaml:3: replicas.max: 10001 must be between 1 and 10000")]
    public void A_field_past_its_bound_is_refused_on_its_line(string yaml, string problem)
    {
        Assert.Equal(problem, Refused(yaml));
    }

    [Fact]
    public void More_than_64_policies_are_refused_before_any_is_read()
    {
        var policies = string.Join(", ", Enumerable.Range(0, 65).Select(i => $"p{i}.yaml"));
        Assert.Equal("s.yaml:3: policies: has 65 items, more than the 64 policies a run may compare", Refused($"duration: 1h\nworkload: 10\npolicies: [{policies}]\n"));
    }

    [Fact]
    public void Workloads_nested_more_than_16_deep_are_refused()
    {
        var nested = string.Concat(Enumerable.Repeat("{type: poisson, of: ", 17)) + "{type: constant, rate: 1}" + new string('}', 17);
        Assert.Contains("workloads nest more than 16 deep inside poisson and sum, the most the tool takes", Refused($"duration: 1h\nworkload: {nested}\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_scenario_file_over_1_MiB_is_refused_with_its_size()
    {
        using var dir = new TempDirectory();
        var path = dir.File("big.yaml");
        File.WriteAllText(path, "duration: 1h\nworkload: 10\n#" + new string('x', 2 * 1024 * 1024) + "\n");

        var error = Assert.Throws<ScenarioException>(() => ScenarioFile.Load(path));
        Assert.StartsWith($"{path}: is 2,097,180 bytes, more than the 1,048,576 bytes (1 MiB) a scenario may have", Assert.Single(error.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void A_scenario_made_in_code_is_held_to_the_same_bounds_before_the_first_step()
    {
        var scenario = new Scenario
        {
            Duration = TimeSpan.FromDays(400),
            Step = TimeSpan.FromMilliseconds(1),
            Workload = new ConstantRate(1),
            Service = new ServiceModelSpec { StartupDelay = TimeSpan.FromDays(30) },
            MaxReplicas = 1_000_000,
        };

        var problems = Assert.Throws<ScenarioException>(() => SimulationRunner.Run(scenario, cancellationToken: TestContext.Current.CancellationToken)).Problems;

        Assert.Equal(
        [
            "duration: 400d is longer than 1 year (365d), the longest run the simulator takes",
            "step: 1ms makes 34,560,000,000 steps of a 400d run, more than the 100,000,000 a run may have; use a longer step or a shorter run",
            "service.startupDelay: must be between 0s and 1h",
            "replicas: min 1 and max 1000000 must be within 0 to 10000, max at least 1 and min at most max",
        ], problems);
    }

    [Fact]
    public void A_query_window_that_holds_more_than_100000_scrapes_is_refused()
    {
        // [1y] at a 5 s scrape would keep 6 million scrapes per policy (an int overflow at [100y]).
        var scenario = ScenarioFile.Parse("duration: 1h\nworkload: 10\n", "s.yaml", Path.GetTempPath());
        var policy = Core.PolicyFiles.PolicyFiles.Parse("metrics:\n  - name: rt\n    query: avg(avg_over_time(webapp_response_time_seconds[30d]))\n    threshold: {up: 0.6, down: 0.2}\n");
        var problem = Assert.Single(Assert.Throws<ScenarioException>(() => SimulationRunner.Run(scenario with { Policies = [new PolicyChoice("long", policy)] }, cancellationToken: TestContext.Current.CancellationToken)).Problems);
        Assert.Equal("policy 'long': metric 'rt': its window 2592000s holds more than the 100,000 scrapes the simulator keeps (one every 5s); use a shorter window or a longer scrape interval", problem);
    }
}
