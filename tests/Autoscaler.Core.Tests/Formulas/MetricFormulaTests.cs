using Autoscaler.Core.Formulas;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.PolicyFiles;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Core.Tests.Formulas;

/// <summary>Formulas combine the metrics' values as KEDA's <c>scalingModifiers.formula</c> does.</summary>
public sealed class MetricFormulaTests
{
    private static readonly (string, bool)[] Triggers = [("trig_one", false), ("trig_two", false), ("trig_three", true)];

    private static double Evaluate(string expression, double one, double two, double three = 0)
    {
        var formula = MetricFormula.Compile("formula", expression, Triggers);
        var reading = formula.Read([MetricReading.Ok("trig_one", one), MetricReading.Ok("trig_two", two), MetricReading.Ok("trig_three", three)], new MetricReading[3], 0);
        return reading.Value!.Value;
    }

    // KEDA's documented examples (keda.sh, "Scaling Modifiers"), with their documented results.
    [Theory]
    [InlineData("(trig_one + trig_two)/2", 1, 4, 2.5)]
    [InlineData("trig_one > 2 ? trig_one + trig_two : 1", 3, 4, 7)]
    [InlineData("trig_one > 2 ? trig_one + trig_two : 1", 2, 4, 1)]
    [InlineData("trig_one < 2 ? trig_one+trig_two >= 2 ? 5 : 10 : 0", 1, 1, 5)]
    [InlineData("trig_one < 2 ? trig_one+trig_two >= 2 ? 5 : 10 : 0", 1, 0.5, 10)]
    [InlineData("trig_one < 2 ? trig_one+trig_two >= 2 ? 5 : 10 : 0", 3, 0, 0)]
    [InlineData("max(trig_one, trig_two/1000)", 1.1, 1500, 1.5)]
    public void Keda_examples_give_keda_results(string expression, double one, double two, double expected) =>
        Assert.Equal(expected, Evaluate(expression, one, two), 9);

    [Theory]
    [InlineData("3/2", 1.5)] // every number is a double, as in KEDA's expr
    [InlineData("min(trig_one, trig_two, trig_three)", -1)]
    [InlineData("max(trig_one, trig_two, trig_three, 10)", 10)]
    [InlineData("abs(trig_three)", 1)]
    [InlineData("ceil(trig_one + 0.2) + floor(trig_two / 4)", 4)]
    [InlineData("round(2.5) + round(-2.5)", 0)] // halves away from zero
    [InlineData("trig_one >= 2 && !(trig_two < 5) || trig_three == 0 ? 1 : 0", 1)]
    [InlineData("trig_two % 4", 2)]
    public void The_language_has_arithmetic_comparisons_logic_and_the_usual_functions(string expression, double expected) =>
        Assert.Equal(expected, Evaluate(expression, 2, 6, -1), 9);

    [Theory]
    [InlineData("trig_one + tirg_two", "'tirg_two' is neither a metric of this policy (trig_one, trig_two, trig_three) nor a function (min, max, abs, ceil, floor, round)", 12)]
    [InlineData("(trig_one + ", "the expression is incomplete or an operator is misplaced", 13)]
    [InlineData("trig_one > 2", "gives true or false, not a number; KEDA's formulas must give a number (write c ? 1 : 0)", 0)]
    [InlineData("trig_one = 3", "", 10)]
    [InlineData("trig_one.GetType().Assembly", "reflection is not allowed in a formula", 0)]
    [InlineData("  ", "is empty; write an expression over the metrics' names, e.g. (a + b) / 2", 0)]
    [InlineData("sqrt(trig_one)", "'sqrt' is neither a metric", 1)]
    [InlineData("max(trig_one)", "a function got the wrong number of arguments (min and max take 2 to 4, abs, ceil, floor and round take 1)", 1)]
    public void A_formula_that_does_not_compile_says_what_and_where(string expression, string problem, int column)
    {
        var e = Assert.Throws<FormulaException>(() => MetricFormula.Compile("formula", expression, Triggers));
        Assert.StartsWith(problem, e.Message, StringComparison.Ordinal);
        if (column > 0)
        {
            Assert.Equal(column, e.Column);
        }
    }

    [Fact]
    public void A_failed_input_fails_the_composite_with_its_kind_unless_it_may_count_as_zero()
    {
        var formula = MetricFormula.Compile("formula", "trig_one + trig_three", Triggers);
        var seen = new MetricReading[3];

        var timedOut = formula.Read([MetricReading.Failed("trig_one", MetricFailureKind.Timeout, "slow"), MetricReading.Ok("trig_two", 1), MetricReading.Ok("trig_three", 1)], seen, 0);
        var empty = formula.Read([MetricReading.Ok("trig_one", 2), MetricReading.Ok("trig_two", 1), MetricReading.Failed("trig_three", MetricFailureKind.NoData, "empty")], seen, 0);
        var seenEmpty = seen[2];
        var unusedFails = formula.Read([MetricReading.Ok("trig_one", 2), MetricReading.Failed("trig_two", MetricFailureKind.HttpError, "500"), MetricReading.Ok("trig_three", 1)], seen, 0);

        Assert.Equal((MetricFailureKind.Timeout, "input 'trig_one' of the formula has no value"), (timedOut.Failure!.Value, timedOut.Message));
        Assert.Equal(2, empty.Value); // trig_three ignores null values
        Assert.Equal(MetricReading.Ok("trig_three", 0), seenEmpty);
        Assert.Equal(3, unusedFails.Value);
    }

    [Fact]
    public void A_result_that_is_not_finite_is_a_failed_reading()
    {
        var formula = MetricFormula.Compile("formula", "trig_one / trig_two", Triggers);
        var reading = formula.Read([MetricReading.Ok("trig_one", 1), MetricReading.Ok("trig_two", 0), MetricReading.Ok("trig_three", 0)], new MetricReading[3], 0);
        Assert.Equal(MetricFailureKind.NotFinite, reading.Failure);
    }

    [Fact]
    public void A_policy_with_a_formula_scales_on_the_composite_and_its_record_shows_every_input()
    {
        var spec = PolicyFile.Parse("""
            minReplicas: 0
            maxReplicas: 20
            behavior: {}
            metrics:
              - {name: p2d_ratio, query: q1}
              - {name: qlen, query: q2}
            formula:
              expression: max(p2d_ratio, qlen / 1000)
              target: {value: 1.2, type: Value}
              activationThreshold: 0.5
            """);
        var clock = new FakeTimeProvider();
        var pipeline = spec.CreatePipeline(clock);

        var decision = pipeline.Decide(4, [MetricReading.Ok("p2d_ratio", 0.9), MetricReading.Ok("qlen", 2400)]);

        Assert.Equal(8, decision.DesiredReplicas); // a Value target: ceil(4 × 2.4 / 1.2)
        Assert.Equal(["formula", "p2d_ratio", "qlen"], decision.Readings.Select(r => r.Metric));
        Assert.Equal(2.4, decision.Readings[0].Value);
        Assert.Equal("formula", Assert.Single(decision.Proposals).Metric);

        // KEDA's activationTarget: at or below it, with minReplicas 0, the service scales to zero.
        Assert.Equal(0, pipeline.Evaluate(0, [MetricReading.Ok("p2d_ratio", 0.4), MetricReading.Ok("qlen", 100)]).DesiredReplicas);
    }
}
