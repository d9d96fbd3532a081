using System.Globalization;
using System.Text.RegularExpressions;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using DynamicExpresso;
using DynamicExpresso.Exceptions;
using Linq = System.Linq.Expressions.Expression;

namespace Autoscaler.Core.Formulas;

/// <summary>A formula that cannot be compiled: what is wrong, and where in the expression (1-based column; 0 when unknown).</summary>
public sealed class FormulaException(string message, int column) : Exception(message)
{
    /// <summary>The 1-based column of the problem in the expression; 0 when unknown.</summary>
    public int Column { get; } = column;
}

/// <summary>
/// KEDA's <c>scalingModifiers.formula</c>: one composite value computed from the metrics' values by an expression over
/// their names: arithmetic (<c>+ - * / %</c>), comparisons, <c>&amp;&amp; || !</c>, the ternary <c>c ? a : b</c>, and
/// the functions <c>min</c>, <c>max</c> (2 to 4 arguments), <c>abs</c>, <c>ceil</c>, <c>floor</c>, <c>round</c>.
/// Every number is a double, so <c>3/2</c> is 1.5 as in KEDA's expr. The expression is parsed by DynamicExpresso and
/// compiled once into a delegate over an array of values, so an evaluation allocates nothing.
/// </summary>
public sealed partial class MetricFormula
{
    /// <summary>The functions a formula may call, for messages and docs.</summary>
    public static IReadOnlyList<string> Functions { get; } = ["min", "max", "abs", "ceil", "floor", "round"];

    private readonly Func<double[], double> _evaluate;
    private readonly string[] _inputs;
    private readonly bool[] _ignoreNull;
    private readonly int[] _used;
    private readonly double[] _values;
    private readonly string[] _failedInput;
    private readonly string _notFinite;

    private MetricFormula(string name, string expression, string[] inputs, bool[] ignoreNull, int[] used, Func<double[], double> evaluate)
    {
        (Name, Expression, _inputs, _ignoreNull, _used, _evaluate) = (name, expression, inputs, ignoreNull, used, evaluate);
        _values = new double[inputs.Length];
        _failedInput = [.. inputs.Select(i => $"input '{i}' of the formula has no value")];
        _notFinite = $"the formula {expression} gave no finite number (a division by zero?)";
    }

    /// <summary>The composite metric's name in decisions and telemetry.</summary>
    public string Name { get; }

    /// <summary>The expression as written.</summary>
    public string Expression { get; }

    /// <summary>The metrics it may read, in order.</summary>
    public IReadOnlyList<string> Inputs => _inputs;

    /// <summary>The metrics the expression really uses.</summary>
    public IEnumerable<string> Used => _used.Select(i => _inputs[i]);

    /// <summary>The longest formula; KEDA's are a line.</summary>
    public const int MaxLength = 1000;

    /// <summary>The deepest nesting of brackets and prefix operators (<c>-</c>, <c>!</c>, <c>~</c>, <c>+</c>) in a formula.</summary>
    public const int MaxNesting = 32;

    /// <summary>
    /// Compiles <paramref name="expression"/> over the metrics <paramref name="inputs"/> (names, and whether an empty
    /// result counts as 0 rather than a failure).
    /// </summary>
    /// <exception cref="FormulaException">A syntax error, an unknown name, or a result that is not a number.</exception>
    public static MetricFormula Compile(string name, string expression, IReadOnlyList<(string Name, bool IgnoreNullValues)> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (string.IsNullOrWhiteSpace(expression))
        {
            throw new FormulaException("is empty; write an expression over the metrics' names, e.g. (a + b) / 2", 0);
        }

        // The parser descends once per bracket and per prefix operator: bounded here, a deep expression is a problem
        // to report, not a stack overflow that takes the process down.
        if (expression.Length > MaxLength)
        {
            throw new FormulaException(string.Create(CultureInfo.InvariantCulture, $"is {expression.Length} characters long, more than the {MaxLength} a formula may have"), MaxLength + 1);
        }

        if (TooDeepAt(expression) is { } deep)
        {
            throw new FormulaException(string.Create(CultureInfo.InvariantCulture, $"nests brackets and prefix operators more than {MaxNesting} deep, the most a formula may"), deep + 1);
        }

        // A metric whose name is not an identifier cannot be named in a formula; it is read all the same.
        var names = inputs.Select(i => i.Name).ToArray();
        var parameters = names.Where(n => Identifier().IsMatch(n)).Select(n => new Parameter(n, typeof(double))).ToArray();
        Lambda lambda;
        try
        {
            lambda = Interpreter().Parse(expression, parameters);
        }
        catch (UnknownIdentifierException e)
        {
            throw new FormulaException(
                $"'{e.Identifier}' is neither a metric of this policy ({string.Join(", ", names)}) nor a function ({string.Join(", ", Functions)})", e.Position + 1);
        }
        catch (ReflectionNotAllowedException e)
        {
            throw new FormulaException("reflection is not allowed in a formula", e.Position + 1);
        }
        catch (ParseException e) when (e.Message.StartsWith("Argument list incompatible", StringComparison.Ordinal))
        {
            throw new FormulaException("a function got the wrong number of arguments (min and max take 2 to 4, abs, ceil, floor and round take 1)", e.Position + 1);
        }
        catch (ParseException e)
        {
            var message = e.Message;
            var at = message.LastIndexOf(" (at index ", StringComparison.Ordinal);
            message = at > 0 ? message[..at] : message.TrimEnd('.');
            throw new FormulaException(message == "Invalid Operation" ? "the expression is incomplete or an operator is misplaced" : message, e.Position + 1);
        }
        catch (Exception e) when (e is DynamicExpressoException or InvalidOperationException or ArgumentException)
        {
            throw new FormulaException(e.Message, 0);
        }

        var type = lambda.ReturnType;
        if (type == typeof(bool))
        {
            throw new FormulaException("gives true or false, not a number; KEDA's formulas must give a number (write c ? 1 : 0)", 0);
        }

        if (!IsNumber(type))
        {
            throw new FormulaException($"gives a {type.Name}, not a number", 0);
        }

        // One delegate over an array: each parameter is assigned from its metric's slot, then the expression runs as a double.
        var values = Linq.Parameter(typeof(double[]), "values");
        var declared = lambda.DeclaredParameters.Select(p => p.Expression).ToArray();
        var body = Linq.Block(
            typeof(double),
            declared,
            declared.Select(p => (System.Linq.Expressions.Expression)Linq.Assign(p, Linq.ArrayIndex(values, Linq.Constant(Array.IndexOf(names, p.Name)))))
                .Append(Linq.Convert(lambda.Expression, typeof(double))));
        var compiled = Linq.Lambda<Func<double[], double>>(body, values).Compile();
        var used = lambda.UsedParameters.Select(p => Array.IndexOf(names, p.Name)).Order().ToArray();
        return new MetricFormula(name, expression, names, [.. inputs.Select(i => i.IgnoreNullValues)], used, compiled);
    }

    /// <summary>
    /// The composite reading from this evaluation's <paramref name="readings"/>; each input's reading, as used (an
    /// empty result taken as 0 where allowed), goes to <paramref name="seen"/> from <paramref name="offset"/> on. It fails
    /// when a used input has no value (with that input's failure kind) or the result is not finite.
    /// </summary>
    public MetricReading Read(IReadOnlyList<MetricReading> readings, MetricReading[] seen, int offset)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentNullException.ThrowIfNull(seen);
        for (var i = 0; i < _inputs.Length; i++)
        {
            var reading = DecisionPipeline.Find(readings, _inputs[i]);
            if (reading.Failure == MetricFailureKind.NoData && _ignoreNull[i])
            {
                reading = MetricReading.Ok(_inputs[i], 0);
            }

            seen[offset + i] = reading;
            _values[i] = reading.Value ?? double.NaN;
        }

        foreach (var i in _used)
        {
            if (seen[offset + i].Failure is { } failure)
            {
                return MetricReading.Failed(Name, failure, _failedInput[i]);
            }
        }

        var value = _evaluate(_values);
        return double.IsFinite(value) ? MetricReading.Ok(Name, value) : MetricReading.Failed(Name, MetricFailureKind.NotFinite, _notFinite);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} = {Expression}";

    // 0-based position where brackets plus a run of prefix operators first go deeper than MaxNesting; null if never.
    private static int? TooDeepAt(string expression)
    {
        var depth = 0;
        var prefix = 0;
        var operand = false; // whether the last token ends an operand, after which + and - are binary
        for (var i = 0; i < expression.Length; i++)
        {
            var c = expression[i];
            if (char.IsWhiteSpace(c))
            {
                continue;
            }

            if (c is '(' or '[')
            {
                depth++;
                operand = false;
            }
            else if (c is ')' or ']')
            {
                depth--;
                prefix = 0;
                operand = true;
            }
            else if (!operand && c is '-' or '+' or '!' or '~')
            {
                prefix++;
            }
            else
            {
                prefix = 0;
                operand = char.IsLetterOrDigit(c) || c is '_' or '.';
            }

            if (depth + prefix > MaxNesting)
            {
                return i;
            }
        }

        return null;
    }

    private static bool IsNumber(Type type) =>
        type == typeof(double) || type == typeof(float) || type == typeof(decimal) || type == typeof(int) || type == typeof(long)
        || type == typeof(short) || type == typeof(byte) || type == typeof(uint) || type == typeof(ulong);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Identifier();

    private static Interpreter Interpreter()
    {
        // No types, no assignment, no reflection: only the metrics, numbers and the functions below.
        var interpreter = new Interpreter(InterpreterOptions.None)
            .SetDefaultNumberType(DefaultNumberType.Double)
            .EnableAssignment(AssignmentOperators.None);
        interpreter.SetFunction("max", (Func<double, double, double>)Math.Max);
        interpreter.SetFunction("max", (Func<double, double, double, double>)((a, b, c) => Math.Max(a, Math.Max(b, c))));
        interpreter.SetFunction("max", (Func<double, double, double, double, double>)((a, b, c, d) => Math.Max(Math.Max(a, b), Math.Max(c, d))));
        interpreter.SetFunction("min", (Func<double, double, double>)Math.Min);
        interpreter.SetFunction("min", (Func<double, double, double, double>)((a, b, c) => Math.Min(a, Math.Min(b, c))));
        interpreter.SetFunction("min", (Func<double, double, double, double, double>)((a, b, c, d) => Math.Min(Math.Min(a, b), Math.Min(c, d))));
        interpreter.SetFunction("abs", (Func<double, double>)Math.Abs);
        interpreter.SetFunction("ceil", (Func<double, double>)Math.Ceiling);
        interpreter.SetFunction("floor", (Func<double, double>)Math.Floor);

        // expr (KEDA's language) rounds halves away from zero, as Go's math.Round does.
        interpreter.SetFunction("round", (Func<double, double>)(x => Math.Round(x, MidpointRounding.AwayFromZero)));
        return interpreter;
    }
}
