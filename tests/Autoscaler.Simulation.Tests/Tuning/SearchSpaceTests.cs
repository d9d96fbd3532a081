using Autoscaler.Core.PolicyFiles;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Tuning;

namespace Autoscaler.Simulation.Tests.Tuning;

/// <summary>Issue 16: the fields `tune` searches, `--param`, and how a candidate policy is built.</summary>
public sealed class SearchSpaceTests
{
    private static string PolicyPath(string file) => Path.Combine(AppContext.BaseDirectory, "deploy", "policies", file);

    private static PolicySpec Load(string file) => PolicyFiles.Load(PolicyPath(file)).Spec!;

    [Fact]
    public void The_hpa_request_rate_policy_lists_its_target_tolerance_check_interval_and_behavior()
    {
        var names = SearchSpace.From(Load("hpa-request-rate.yaml")).Parameters.Select(p => p.Name);

        Assert.Equal(
            [
                "checkInterval",
                "metrics[rps].target.value",
                "metrics[rps].target.tolerance",
                "behavior.scaleUp.stabilizationWindowSeconds",
                "behavior.scaleUp.policies[0].value",
                "behavior.scaleUp.policies[0].periodSeconds",
                "behavior.scaleUp.policies[1].value",
                "behavior.scaleUp.policies[1].periodSeconds",
                "behavior.scaleUp.cooldown",
                "behavior.scaleDown.stabilizationWindowSeconds",
                "behavior.scaleDown.policies[0].value",
                "behavior.scaleDown.policies[0].periodSeconds",
                "behavior.scaleDown.cooldown",
            ],
            names);
    }

    [Fact]
    public void The_slo_policy_lists_headroom_and_horizon_and_the_behavior_it_runs_with_but_not_its_slo_or_service()
    {
        // slo.yaml has no behavior section: it runs with the slo rule's defaults, which are what gets tuned.
        var names = SearchSpace.From(Load("slo.yaml")).Parameters.Select(p => p.Name);

        Assert.Equal(
            [
                "checkInterval",
                "metrics[rps].slo.headroomQuantile",
                "metrics[rps].slo.horizon",
                "behavior.scaleUp.stabilizationWindowSeconds",
                "behavior.scaleUp.cooldown",
                "behavior.scaleDown.stabilizationWindowSeconds",
                "behavior.scaleDown.cooldown",
            ],
            names);
    }

    [Fact]
    public void Values_and_default_ranges_come_from_the_file_and_the_fields_own_bounds()
    {
        var space = SearchSpace.From(Load("hpa-request-rate.yaml"));

        var target = space.Find("metrics[rps].target.value")!;
        Assert.Equal((ParameterKind.Real, 30.0, 7.5, 120.0), (target.Kind, target.Value, target.SearchMin, target.SearchMax));
        var window = space.Find("behavior.scaleDown.stabilizationWindowSeconds")!;
        Assert.Equal((ParameterKind.Integer, 60.0, 15.0, 240.0, 0.0, 3600.0), (window.Kind, window.Value, window.SearchMin, window.SearchMax, window.Min, window.Max));
        var upWindow = space.Find("behavior.scaleUp.stabilizationWindowSeconds")!;
        Assert.Equal((0.0, 0.0, 300.0), (upWindow.Value, upWindow.SearchMin, upWindow.SearchMax));
        var interval = space.Find("checkInterval")!;
        Assert.Equal((ParameterKind.Duration, 10.0, 2.5, 40.0, 0.05, 86400.0), (interval.Kind, interval.Value, interval.SearchMin, interval.SearchMax, interval.Min, interval.Max));
        var period = space.Find("behavior.scaleDown.policies[0].periodSeconds")!;
        Assert.Equal((30.0, 8.0, 120.0, 1800.0), (period.Value, period.SearchMin, period.SearchMax, period.Max));
    }

    [Fact]
    public void Every_shipped_policy_has_its_written_values_inside_ranges_inside_the_fields_bounds()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "deploy", "policies"), "*.yaml"))
        {
            foreach (var p in SearchSpace.From(PolicyFiles.Load(file).Spec!).Parameters)
            {
                var where = $"{Path.GetFileName(file)}: {p.Name}";
                Assert.True(p.Min <= p.SearchMin && p.SearchMin <= p.Value && p.Value <= p.SearchMax && p.SearchMax <= p.Max,
                    $"{where}: {p.Min} <= {p.SearchMin} <= {p.Value} <= {p.SearchMax} <= {p.Max}");
                Assert.True(p.SearchMin < p.SearchMax, $"{where}: nothing to search");
            }
        }
    }

    [Fact]
    public void An_applied_candidate_writes_and_reads_back_with_its_values()
    {
        var original = Load("hpa-request-rate.yaml");
        var values = new Dictionary<string, double>
        {
            ["metrics[rps].target.value"] = 42.5,
            ["metrics[rps].target.tolerance"] = 0.05,
            ["behavior.scaleDown.stabilizationWindowSeconds"] = 120,
            ["behavior.scaleDown.cooldown"] = 45,
            ["behavior.scaleUp.policies[1].value"] = 50,
            ["checkInterval"] = 7.5,
        };

        var candidate = SearchSpace.Apply(original, values);
        var yaml = PolicyFile.Write(candidate);
        var read = SearchSpace.From(PolicyFile.Parse(yaml, "best.yaml"));

        foreach (var (name, value) in values)
        {
            Assert.Equal(value, read.Find(name)!.Value);
        }

        Assert.Contains("value: 42.5", yaml, StringComparison.Ordinal);
        Assert.Contains("checkInterval: 7.5s", yaml, StringComparison.Ordinal);

        // What was not named stays as written, the query and replica limits included.
        Assert.Equal(4, read.Find("behavior.scaleUp.policies[0].value")!.Value);
        Assert.Equal(original.Metrics[0].Query, candidate.Metrics[0].Query);
        Assert.Equal((1, 6), (candidate.MinReplicas, candidate.MaxReplicas));
        Assert.Equal(original.Metrics[0].OnFailure, candidate.Metrics[0].OnFailure);
    }

    [Fact]
    public void An_applied_slo_candidate_round_trips_headroom_and_horizon_and_an_integer_is_rounded()
    {
        var candidate = SearchSpace.Apply(Load("slo.yaml"), new Dictionary<string, double>
        {
            ["metrics[rps].slo.headroomQuantile"] = 0.9,
            ["metrics[rps].slo.horizon"] = 30.0004,
            ["behavior.scaleDown.stabilizationWindowSeconds"] = 44.6,
        });

        var read = SearchSpace.From(PolicyFile.Parse(PolicyFile.Write(candidate), "best.yaml"));
        Assert.Equal(0.9, read.Find("metrics[rps].slo.headroomQuantile")!.Value);
        Assert.Equal(30, read.Find("metrics[rps].slo.horizon")!.Value);
        Assert.Equal(45, read.Find("behavior.scaleDown.stabilizationWindowSeconds")!.Value);
        Assert.Equal(TimeSpan.FromMilliseconds(300), candidate.Metrics[0].Slo!.Latency);
    }

    [Fact]
    public void Apply_leaves_the_original_policy_unchanged()
    {
        var original = Load("hpa-request-rate.yaml");
        var before = PolicyFile.Write(original);

        var candidate = SearchSpace.Apply(original, new Dictionary<string, double>
        {
            ["metrics[rps].target.value"] = 12,
            ["behavior.scaleDown.stabilizationWindowSeconds"] = 600,
            ["behavior.scaleDown.policies[0].value"] = 3,
            ["checkInterval"] = 20,
        });
        candidate.Metrics[0].Target!.Tolerance = 0.3;
        candidate.Behavior!.ScaleUp.Policies.Clear();

        Assert.Equal(before, PolicyFile.Write(original));
        Assert.Equal(30, original.Metrics[0].Target!.Target);
        Assert.Equal(2, original.Behavior!.ScaleUp.Policies.Count);
    }

    [Fact]
    public void A_candidate_that_breaks_a_rule_of_the_policy_file_is_refused_naming_it()
    {
        // threshold down must stay below up: a rule between two fields that no single range expresses.
        var e = Assert.Throws<ScenarioException>(() => SearchSpace.Apply(Load("latency-threshold.yaml"), new Dictionary<string, double>
        {
            ["metrics[avg_rt].threshold.down"] = 0.8,
        }));

        var problem = Assert.Single(e.Problems);
        Assert.StartsWith("candidate metrics[avg_rt].threshold.down=0.8: Metrics[0].Threshold.", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("metrics[nope].target.value=0.5", "unknown")]
    [InlineData("behavior.scaleDown.stabilizationWindowSeconds=4000", "bounds")]
    public void Apply_refuses_an_unknown_name_or_a_value_outside_the_fields_bounds(string arg, string kind)
    {
        var parts = arg.Split('=');
        var e = Assert.Throws<ScenarioException>(() => SearchSpace.Apply(Load("hpa-request-rate.yaml"), new Dictionary<string, double> { [parts[0]] = double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) }));

        var problem = Assert.Single(e.Problems);
        Assert.Contains(parts[0], problem, StringComparison.Ordinal);
        Assert.Contains(kind == "unknown" ? "is not a tunable field" : "is outside 0 to 3600", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Narrow_searches_a_given_range_and_fixes_a_given_value_and_leaves_the_rest()
    {
        var space = SearchSpace.From(Load("hpa-request-rate.yaml"));

        var narrowed = space.Narrow(["metrics[rps].target.value=20..40", "checkInterval=15s", "behavior.scaleDown.cooldown = 0..2m"]);

        var target = narrowed.Find("metrics[rps].target.value")!;
        Assert.Equal((20.0, 40.0, false), (target.SearchMin, target.SearchMax, target.IsFixed));
        var interval = narrowed.Find("checkInterval")!;
        Assert.Equal((15.0, 15.0, true), (interval.SearchMin, interval.SearchMax, interval.IsFixed));
        Assert.Equal((0.0, 120.0), (narrowed.Find("behavior.scaleDown.cooldown")!.SearchMin, narrowed.Find("behavior.scaleDown.cooldown")!.SearchMax));
        Assert.Equal(space.Find("metrics[rps].target.tolerance"), narrowed.Find("metrics[rps].target.tolerance"));
        Assert.Equal((7.5, 120.0), (space.Find("metrics[rps].target.value")!.SearchMin, space.Find("metrics[rps].target.value")!.SearchMax));
        Assert.Equal(space.Parameters.Select(p => p.Name), narrowed.Parameters.Select(p => p.Name));
    }

    [Theory]
    [InlineData("metrics[nope].target.value=1..2", "--param metrics[nope].target.value=1..2: 'metrics[nope].target.value' is not a tunable field of this policy; it has checkInterval, metrics[rps].target.value,")]
    [InlineData("metrics[rps].target.value=50..20", "--param metrics[rps].target.value=50..20: the range of 'metrics[rps].target.value' is inverted: 50 is above 20; write LO..HI")]
    [InlineData("metrics[rps].target.value=..", "--param metrics[rps].target.value=..: the range of 'metrics[rps].target.value' is empty; write LO..HI with both ends, or one value to fix it")]
    [InlineData("metrics[rps].target.value=", "--param metrics[rps].target.value=: the range of 'metrics[rps].target.value' is empty; write LO..HI with both ends, or one value to fix it")]
    [InlineData("behavior.scaleDown.stabilizationWindowSeconds=0..4000", "--param behavior.scaleDown.stabilizationWindowSeconds=0..4000: 0..4000 is outside what 'behavior.scaleDown.stabilizationWindowSeconds' accepts: 0 to 3600")]
    [InlineData("metrics[rps].target.tolerance=-0.1..0.2", "--param metrics[rps].target.tolerance=-0.1..0.2: -0.1..0.2 is outside what 'metrics[rps].target.tolerance' accepts: 0 to 1")]
    [InlineData("checkInterval=10ms", "--param checkInterval=10ms: 10ms is outside what 'checkInterval' accepts: 50ms to 86400s")]
    [InlineData("metrics[rps].target.value=lots", "--param metrics[rps].target.value=lots: 'lots' is not a number for 'metrics[rps].target.value'")]
    [InlineData("behavior.scaleDown.stabilizationWindowSeconds=1.5", "--param behavior.scaleDown.stabilizationWindowSeconds=1.5: '1.5' is not a whole number for 'behavior.scaleDown.stabilizationWindowSeconds'")]
    [InlineData("checkInterval=soon..30s", "--param checkInterval=soon..30s: 'soon' is not a duration (e.g. 30s) for 'checkInterval'")]
    [InlineData("checkInterval", "--param checkInterval: write NAME=LO..HI to search a range or NAME=VALUE to fix a field")]
    public void Narrow_refuses_a_bad_param_in_one_line_naming_it(string arg, string expected)
    {
        var space = SearchSpace.From(Load("hpa-request-rate.yaml"));

        var e = Assert.Throws<ScenarioException>(() => space.Narrow([arg]));

        var problem = Assert.Single(e.Problems);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem);
    }

    [Fact]
    public void Narrow_reports_every_bad_param_and_a_name_given_twice()
    {
        var space = SearchSpace.From(Load("hpa-request-rate.yaml"));

        var e = Assert.Throws<ScenarioException>(() => space.Narrow(["checkInterval=5s..20s", "nope=1", "checkInterval=30s"]));

        Assert.Equal(2, e.Problems.Count);
        Assert.StartsWith("--param nope=1: 'nope' is not a tunable field", e.Problems[0], StringComparison.Ordinal);
        Assert.Equal("--param checkInterval=30s: 'checkInterval' is given twice; give each field once", e.Problems[1]);
    }
}
