using Autoscaler.Core.Queueing;
using Autoscaler.Core.ServiceModel;
using Autoscaler.Simulation.Model;
using Autoscaler.Simulation.Observation;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Workloads;
using Autoscaler.Testing;

namespace Autoscaler.Simulation.Tests.Scenarios;

public sealed class ScenarioFileTests
{
    private static ScenarioException Refused(string yaml, string? directory = null) =>
        Assert.Throws<ScenarioException>(() => ScenarioFile.Parse(yaml, "s.yaml", directory ?? Path.GetTempPath()));

    [Fact]
    public void Every_shipped_scenario_loads_with_its_policies()
    {
        foreach (var file in ShippedScenarios.All())
        {
            var scenario = ScenarioFile.Load(file);
            Assert.Equal(Path.GetFileNameWithoutExtension(file), scenario.Name);
            Assert.NotEmpty(scenario.Policies);
        }
    }

    [Fact]
    public void Every_benchmark_scenario_loads_with_the_suite_s_common_settings_and_no_policies_of_its_own()
    {
        var files = ShippedScenarios.Benchmark().ToList();
        Assert.True(files.Count >= 6, $"scenarios/benchmark holds {files.Count} scenarios");
        foreach (var file in files)
        {
            var s = ScenarioFile.Load(file);
            var name = Path.GetFileName(file);

            // bench/policies/run.sh adds every policy with --policy; one listed here would run twice.
            Assert.Empty(s.Policies);
            Assert.Equal(new ServiceModelSpec(), s.Service);
            Assert.Equal((TimeSpan.FromSeconds(5), 0.02), (s.Observation.ScrapeInterval, s.Observation.Noise));
            Assert.Equal(new SloSpec(0.3, LatencyStatistic.Mean, 0.01), s.Slo);
            Assert.Equal((1, 12), (s.MinReplicas, s.MaxReplicas));

            // Arrival noise on a shape whose peak is 8-11 replicas' worth, so rounding at one or two replicas
            // does not decide the costs.
            var noise = Assert.IsType<PoissonNoise>(s.Workload);
            var replicas = ShippedScenarios.PeakRate(noise.Inner, s) / SimulationRunner.OracleRequestsPerReplica(s);
            Assert.True(replicas is >= 8 and <= 11, $"{name}: the peak is {replicas:0.0} replicas' worth");
        }
    }

    [Fact]
    public void Every_held_out_scenario_loads_with_no_policies_of_its_own_and_room_above_the_oracle_s_peak()
    {
        var files = ShippedScenarios.HeldOut().ToList();
        Assert.True(files.Count >= 5, $"bench/policies/heldout holds {files.Count} scenarios");
        foreach (var file in files)
        {
            var s = ScenarioFile.Load(file);
            var name = Path.GetFileName(file);

            // SUITE=heldout bench/policies/run.sh adds every policy with --policy; one listed here would run twice.
            Assert.Empty(s.Policies);
            Assert.IsType<PoissonNoise>(s.Workload);

            // The oracle's count (one second's arrivals at most per replica's safe rate) stays below the policies'
            // maximum, so no score is decided by the clamp.
            var oraclePeak = Math.Ceiling(ShippedScenarios.PeakDemand(s) / SimulationRunner.OracleRequestsPerReplica(s));
            Assert.True(oraclePeak < s.MaxReplicas, $"{name}: the oracle needs {oraclePeak} replicas at the peak; replicas.max is {s.MaxReplicas}");
        }
    }

    [Fact]
    public void A_full_scenario_reads_every_field()
    {
        var s = ScenarioFile.Parse("""
            duration: 2h
            step: 500ms
            seed: 9
            workload: {type: ramp, from: 10, to: 200, over: 1h}
            service: {workers: 8, serviceTime: 50ms, distribution: lognormal, queueLimit: 20, startupDelay: 12s, drainTime: 5s}
            observation:
              scrapeInterval: 15s
              noise: 0.1
              metrics:
                - {name: cpu, kind: utilization, window: 1m, noise: 0}
            slo: {latency: 250ms, statistic: p95, maxErrorRate: 0.001, violationBudget: 0.005}
            costPerReplicaHour: 0.12
            replicas: {min: 2, max: 20, initial: 3}
            policies: [hpa]
            """, "s.yaml", Path.GetTempPath(), "full");

        Assert.Equal(("full", TimeSpan.FromHours(2), TimeSpan.FromMilliseconds(500), 9), (s.Name, s.Duration, s.Step, s.Seed));
        var ramp = Assert.IsType<RampRate>(s.Workload);
        Assert.Equal((10.0, 200.0, TimeSpan.FromHours(1)), (ramp.From, ramp.To, ramp.Over));
        Assert.Equal(8, s.Service.Workers);
        Assert.Equal(ServiceTimeDistribution.LogNormal, s.Service.Distribution);
        Assert.Equal((20, TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(5)), (s.Service.QueueLimit, s.Service.StartupDelay, s.Service.DrainTime));
        Assert.Equal(TimeSpan.FromSeconds(15), s.Observation.ScrapeInterval);
        Assert.Equal(new ObservedMetric("cpu", ObservedKind.Utilization, TimeSpan.FromMinutes(1), ObservedAggregation.Avg, 0), Assert.Single(s.Observation.Metrics));
        Assert.Equal(new SloSpec(0.25, LatencyStatistic.P95, 0.001, 0.005), s.Slo);
        Assert.Equal((0.12, 2, 20, 3), (s.CostPerReplicaHour, s.MinReplicas, s.MaxReplicas, s.InitialReplicas));

        // The HPA baseline targets 75 % of a replica's capacity, W/S = 160 req/s here.
        var hpa = Assert.Single(s.Policies);
        Assert.Equal(120, hpa.Spec.Metrics[0].Target!.Target, 9);
        Assert.Equal((2, 20), (hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas));
    }

    [Theory]
    [InlineData("{type: constant, rate: 42}", 100, 42)]
    [InlineData("{type: step, steps: '0s=10,1m=50'}", 61, 50)]
    [InlineData("{type: step, steps: [{at: 0s, rate: 10}, {at: 1m, rate: 50}]}", 59, 10)]
    [InlineData("{type: ramp, from: 0, to: 100, over: 100s}", 25, 25)]
    [InlineData("{type: spike, base: 5, peak: 80, at: 10s, length: 5s}", 12, 80)]
    [InlineData("{type: sine, mean: 50, amplitude: 20, period: 40s}", 10, 70)]
    [InlineData("{type: diurnal, min: 20, max: 220, peak: 15}", 15 * 3600, 220)]
    [InlineData("{type: diurnal, min: 20, max: 220, peak: 15}", 3 * 3600, 20)]
    [InlineData("{type: diurnal, min: 20, max: 220, peak: 15, weekend: 0.5}", (5 * 86400) + (15 * 3600), 110)]
    [InlineData("{type: diurnal, max: 100, peak: 12, day: 10m}", 300, 100)]
    [InlineData("{type: sum, of: [{type: constant, rate: 5}, {type: spike, base: 0, peak: 80, at: 10s, length: 5s}]}", 12, 85)]
    [InlineData("{type: sum, of: [{type: constant, rate: 5}, {type: spike, base: 0, peak: 80, at: 10s, length: 5s}]}", 20, 5)]
    [InlineData("'constant(rate=5) + spike(base=0, peak=80, at=10s, length=5s)'", 12, 85)]
    public void Each_workload_type_reads_its_parameters(string workload, double seconds, double rate)
    {
        var s = ScenarioFile.Parse($"duration: 10m\nworkload: {workload}\n", "s.yaml", Path.GetTempPath());
        Assert.Equal(rate, s.Workload.RateAt(TimeSpan.FromSeconds(seconds)), 9);
    }

    [Fact]
    public void Poisson_noise_wraps_any_workload_draws_from_the_scenario_seed_and_keeps_the_mean()
    {
        const string Yaml = "duration: 1h\nseed: {0}\nworkload:\n  type: poisson\n  of: {{type: constant, rate: 50}}\n";
        var a = ScenarioFile.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, Yaml, 1), "s.yaml", Path.GetTempPath());
        var again = ScenarioFile.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, Yaml, 1), "s.yaml", Path.GetTempPath());
        var other = ScenarioFile.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, Yaml, 2), "s.yaml", Path.GetTempPath());

        var noise = Assert.IsType<PoissonNoise>(a.Workload);
        Assert.Equal((1, TimeSpan.FromSeconds(1)), (noise.Seed, noise.Bucket));
        var rates = Enumerable.Range(0, 3600).Select(i => a.Workload.RateAt(TimeSpan.FromSeconds(i + 0.5))).ToList();
        Assert.Equal(rates, Enumerable.Range(0, 3600).Select(i => again.Workload.RateAt(TimeSpan.FromSeconds(i + 0.5))));
        Assert.NotEqual(rates, Enumerable.Range(0, 3600).Select(i => other.Workload.RateAt(TimeSpan.FromSeconds(i + 0.5))));
        Assert.InRange(rates.Average(), 49, 51);
        Assert.True(rates.Distinct().Count() > 10, "no noise was drawn");

        var own = ScenarioFile.Parse("duration: 1h\nseed: 1\nworkload: {type: poisson, seed: 9, bucket: 10s, of: {type: constant, rate: 50}}\n", "s.yaml", Path.GetTempPath());
        Assert.Equal((9, TimeSpan.FromSeconds(10)), (((PoissonNoise)own.Workload).Seed, ((PoissonNoise)own.Workload).Bucket));
    }

    [Fact]
    public void Problems_in_nested_workloads_name_the_path_and_the_line()
    {
        var e = Refused("""
            duration: 1h
            workload:
              type: sum
              of:
                - {type: diurnal, min: 50, max: 10}
                - {type: poisson, of: {type: sine, mean: 1}}
                - {type: spike, base: 1, peak: 2, at: 1m, length: 1s, height: 3}
            """);

        Assert.Equal(
            [
                "s.yaml:5: workload.of[0].type: diurnal: max rate 10 is below min rate 50",
                "s.yaml:6: workload.of[1].of.amplitude: is required",
                "s.yaml:6: workload.of[1].of.period: is required (a duration such as 30s or 5m)",
                "s.yaml:7: workload.of[2].height: unknown field (known here: at, base, length, peak, type)",
            ],
            e.Problems);
        Assert.Equal("s.yaml:2: workload.of: is required", Assert.Single(Refused("duration: 1h\nworkload: {type: poisson}\n").Problems));
        Assert.StartsWith("s.yaml:2: workload.of: is empty", Assert.Single(Refused("duration: 1h\nworkload: {type: sum, of: []}\n").Problems), StringComparison.Ordinal);
        Assert.Equal("s.yaml:2: workload: diurnal: max rate 2 is below min rate 20", Assert.Single(Refused("duration: 1h\nworkload: 'diurnal(min=20, max=2)'\n").Problems));
    }

    [Fact]
    public void An_unknown_workload_names_the_field_the_line_and_the_choices()
    {
        var e = Refused("duration: 1h\nworkload:\n  type: tsunami\n");
        var problem = Assert.Single(e.Problems);
        Assert.StartsWith("s.yaml:3: workload.type: 'tsunami' is not a workload; use one of constant, step, ramp, spike, sine, trace", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-5m")]
    [InlineData("0s")]
    [InlineData("-300")]
    public void A_duration_that_is_not_positive_is_refused_with_its_line(string duration)
    {
        var e = Refused($"duration: {duration}\nworkload: {{type: constant, rate: 5}}\n");
        Assert.Equal($"s.yaml:1: duration: '{duration}' must be longer than 0 (e.g. 10m)", Assert.Single(e.Problems));
    }

    [Fact]
    public void A_missing_trace_file_is_named()
    {
        var e = Refused("workload: {type: trace, file: nowhere.csv}\n");
        var problem = Assert.Single(e.Problems);
        Assert.Contains("s.yaml:1: workload.file: cannot read trace file", problem, StringComparison.Ordinal);
        Assert.Contains("nowhere.csv': no such file", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trace_with_a_bad_line_is_refused_naming_that_line()
    {
        using var dir = new TempDirectory("autoscaler-scenario");
        File.WriteAllText(dir.File("t.csv"), "seconds,rps\n0,10\n60,lots\n");
        var e = Refused("workload: {type: trace, file: t.csv}\n", dir.Path);
        var problem = Assert.Single(e.Problems);
        Assert.Contains("workload.file:", problem, StringComparison.Ordinal);
        Assert.Contains("t.csv line 3: rps 'lots' is not a number", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trace_s_rate_scale_multiplies_its_rates()
    {
        using var dir = new TempDirectory("autoscaler-scenario");
        File.WriteAllText(dir.File("t.csv"), "seconds,rps\n0,10\n60,40\n");

        var s = ScenarioFile.Parse("workload: {type: trace, file: t.csv, rateScale: 2.5}\n", "s.yaml", dir.Path);

        var trace = Assert.IsType<TraceRate>(s.Workload);
        Assert.Equal((25.0, 100.0), (trace.RateAt(TimeSpan.FromSeconds(59)), trace.RateAt(TimeSpan.FromSeconds(60))));
        Assert.Equal(TimeSpan.FromMinutes(2), s.Duration); // the rate scale leaves the times alone
        Assert.Equal(1, ((TraceRate)ScenarioFile.Parse("workload: {type: trace, file: t.csv}\n", "s.yaml", dir.Path).Workload).RateScale);
    }

    [Theory]
    [InlineData("0", "s.yaml:3: workload.rateScale: 0 must be above 0 (it multiplies every rate: 2 doubles them)")]
    [InlineData("-3", "s.yaml:3: workload.rateScale: -3 must be above 0 (it multiplies every rate: 2 doubles them)")]
    [InlineData("twice", "s.yaml:3: workload.rateScale: 'twice' is not a number")]
    public void A_trace_s_rate_scale_that_is_not_above_zero_is_refused_with_its_line(string rateScale, string expected)
    {
        using var dir = new TempDirectory("autoscaler-scenario");
        File.WriteAllText(dir.File("t.csv"), "seconds,rps\n0,10\n");

        var e = Refused($"duration: 1h\nworkload: {{type: trace, file: t.csv,\n  rateScale: {rateScale}}}\n", dir.Path);

        Assert.Equal(expected, Assert.Single(e.Problems));
    }

    [Fact]
    public void A_trace_without_duration_runs_as_long_as_the_trace()
    {
        var s = ScenarioFile.Load(ShippedScenarios.Named("trace.yaml"));
        Assert.Equal(TimeSpan.FromHours(1), s.Duration); // 60 rows a minute apart
        Assert.Equal(ScenarioFile.TraceLength((TraceRate)s.Workload), s.Duration);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_and_misspelt_fields_are_not_ignored()
    {
        var e = Refused("""
            duraton: 1h
            workload: {type: constant, rate: -3}
            service: {workers: 0, serviceTime: fast}
            slo: {statistic: median}
            policies: [threshold, sometimes]
            """);
        Assert.Contains(e.Problems, p => p.StartsWith("s.yaml:1: duraton: unknown field", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("s.yaml:1: duration: is required", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("s.yaml:2: workload.rate: -3 must be between 0 and", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("s.yaml:3: service.workers: 0 must be between 1 and 1000", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("s.yaml:3: service.serviceTime: 'fast' is not a duration", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("s.yaml:4: slo.statistic: 'median' is not one of Mean, P95", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_policy_name_is_named_once_the_rest_is_valid()
    {
        var e = Refused("duration: 1h\nworkload: {type: constant, rate: 5}\npolicies: [threshold, sometimes]\n");
        var problem = Assert.Single(e.Problems);
        Assert.StartsWith("s.yaml:3: policies: policy 'sometimes' is neither threshold, hpa, predictive, slo, oracle nor a policy file", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_a_mapping_is_refused_with_what_a_scenario_holds()
    {
        var e = Refused("- just\n- a list\n");
        Assert.Equal("s.yaml:1: the file must be a YAML mapping (fields such as duration, workload, policies)", Assert.Single(e.Problems));
    }

    [Fact]
    public void A_policy_query_the_simulator_cannot_observe_is_refused_naming_the_policy_and_metric()
    {
        using var dir = new TempDirectory("autoscaler-scenario");
        File.WriteAllText(dir.File("p.yaml"), """
            metrics:
              - name: cpu
                query: avg(rate(process_cpu_seconds_total[1m]))
                target: {value: 0.5}
            """);
        var scenario = ScenarioFile.Parse("duration: 1h\nworkload: {type: constant, rate: 5}\npolicies: [p.yaml]\n", "s.yaml", dir.Path);

        var e = Assert.Throws<ScenarioException>(() => SimulationRunner.Run(scenario, cancellationToken: TestContext.Current.CancellationToken));
        Assert.StartsWith("policy 'p': metric 'cpu': the simulator cannot observe the query 'avg(rate(process_cpu_seconds_total[1m]))'; add an observation metric named 'cpu'",
            Assert.Single(e.Problems), StringComparison.Ordinal);

        // Declared in the scenario, the same policy runs.
        var observed = scenario with { Observation = new ObservationSpec { Metrics = [new ObservedMetric("cpu", ObservedKind.Utilization, TimeSpan.FromMinutes(1))] } };
        Assert.Equal(2, SimulationRunner.Run(observed, cancellationToken: TestContext.Current.CancellationToken).Policies.Count);
    }

    [Fact]
    public void An_SLO_that_no_replica_count_can_meet_is_refused()
    {
        var scenario = ScenarioFile.Parse("duration: 1h\nworkload: {type: constant, rate: 5}\nslo: {latency: 250ms, statistic: p95}\n", "s.yaml", Path.GetTempPath());

        var e = Assert.Throws<ScenarioException>(() => SimulationRunner.Run(scenario, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("slo.latency: 250ms (p95) cannot be met by any number of replicas: even an idle replica's p95 latency is 299.573ms; raise it or shorten service.serviceTime",
            Assert.Single(e.Problems));
    }

    [Fact]
    public void A_scenario_duration_may_be_given_in_weeks()
    {
        var s = ScenarioFile.Parse("duration: 1w\nworkload: {type: constant, rate: 10}\n", "s.yaml", Path.GetTempPath());

        Assert.Equal(TimeSpan.FromDays(7), s.Duration);
    }

    [Fact]
    public void The_violation_budget_defaults_to_one_percent_and_must_be_a_share()
    {
        Assert.Equal(0.005, ScenarioFile.Parse("duration: 1h\nworkload: {type: constant, rate: 5}\n", "s.yaml", Path.GetTempPath()).Slo.ViolationBudget);
        Assert.Equal(
            "s.yaml:3: slo.violationBudget: 5 must be between 0 and 1",
            Assert.Single(Refused("duration: 1h\nworkload: {type: constant, rate: 5}\nslo: {violationBudget: 5}\n").Problems));
    }

    [Fact]
    public void A_policy_listed_twice_is_refused_with_its_line_and_the_reason()
    {
        var e = Refused("duration: 1h\nworkload: {type: constant, rate: 5}\npolicies:\n  - hpa\n  - threshold\n  - hpa\n");

        Assert.Equal(
            "s.yaml:6: policies: policy 'hpa' (the built-in policy) is listed twice; each policy runs once (results are named by policy): leave out the repeat",
            Assert.Single(e.Problems));
    }

    [Fact]
    public void A_policy_file_named_like_another_policy_is_refused_naming_both()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("hpa.yaml"), "minReplicas: 1\nmaxReplicas: 4\nmetrics:\n  - {name: f, fixed: 2}\n");
        File.WriteAllText(temp.File("oracle.yaml"), "minReplicas: 1\nmaxReplicas: 4\nmetrics:\n  - {name: f, fixed: 2}\n");

        var e = Refused("duration: 1h\nworkload: {type: constant, rate: 5}\npolicies: [hpa, hpa.yaml, oracle.yaml]\n", temp.Path);

        Assert.Equal(
            [
                $"s.yaml:3: policies: policies 'hpa' (the built-in policy) and 'hpa' ({temp.File("hpa.yaml")}) have the same name; results are named by policy, so rename one file to compare them",
                $"s.yaml:3: policies: policy 'oracle' ({temp.File("oracle.yaml")}) is named like the oracle, which always runs; rename the file",
            ],
            e.Problems);
    }

    [Fact]
    public void Adding_a_policy_the_scenario_runs_already_is_refused_saying_where_it_comes_from()
    {
        var listed = ScenarioFile.Parse("duration: 1h\nworkload: {type: constant, rate: 5}\npolicies: [threshold, hpa]\n", "s.yaml", Path.GetTempPath());
        var defaults = ScenarioFile.Parse("duration: 1h\nworkload: {type: constant, rate: 5}\n", "s.yaml", Path.GetTempPath());

        var e = Assert.Throws<ScenarioException>(() => listed.WithPolicies(["slo", "threshold"], Path.GetTempPath()));
        Assert.Equal(
            "policy 'threshold' (the built-in policy) runs already: the scenario has it (its policies: threshold, hpa; a scenario file with no policies field runs threshold and hpa); each policy runs once, so leave out the repeat",
            Assert.Single(e.Problems));
        Assert.Throws<ScenarioException>(() => defaults.WithPolicies(["hpa"], Path.GetTempPath()));
        Assert.Equal(
            "policy 'slo' (the built-in policy) is listed twice; each policy runs once (results are named by policy): leave out the repeat",
            Assert.Single(Assert.Throws<ScenarioException>(() => listed.WithPolicies(["slo", "slo"], Path.GetTempPath())).Problems));
        Assert.Equal(["threshold", "hpa", "slo"], listed.WithPolicies(["slo", "oracle"], Path.GetTempPath()).Policies.Select(p => p.Name));
    }

    [Fact]
    public void A_scenario_built_in_code_with_a_repeated_name_is_refused_by_the_runner()
    {
        var spec = BuiltInPolicies.ThresholdPolicy(1, 4);
        var scenario = new Scenario
        {
            Duration = TimeSpan.FromMinutes(1),
            Workload = new ConstantRate(5),
            Policies = [new PolicyChoice("mine", spec), new PolicyChoice("mine", spec)],
        };

        var e = Assert.Throws<ScenarioException>(() => SimulationRunner.Run(scenario, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("policy 'mine' is listed twice; each policy runs once (results are named by policy): leave out the repeat", Assert.Single(e.Problems));
    }
}
