using System.Globalization;
using Autoscaler.Core.Time;

namespace Autoscaler.Simulation.Workloads;

/// <summary>
/// Recursive descent over the textual pattern syntax (<see cref="RatePatterns.Syntax"/>):
/// <code>
/// sum  := term ('+' term)*
/// term := NUMBER | NAME '(' args ')' | NAME ':' args | NAME
/// args := arg (',' arg)*        arg := KEY '=' VALUE | sum
/// </code>
/// A <c>NAME:args</c> term takes every argument up to the next top-level <c>+</c> or <c>)</c>, so inside
/// <c>poisson(…)</c> a pattern followed by more arguments is written <c>NAME(args)</c>.
/// </summary>
internal sealed class RatePatternParser(string text, string? baseDirectory)
{
    private const string Delimiters = ",()+=:";
    private const int QuotedLength = 80;
    private int _position;
    private int _depth;

    public IRatePattern ParseAll()
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new InvalidWorkloadException($"the pattern is empty; use e.g. diurnal(min=20, max=200) or one of {string.Join(", ", RatePatterns.All)}");
        }

        var pattern = ParseSum();
        SkipSpace();
        if (_position < text.Length)
        {
            throw Error($"unexpected '{text[_position]}'");
        }

        return pattern;
    }

    private IRatePattern ParseSum()
    {
        var parts = new List<IRatePattern> { ParseTerm() };
        while (Peek() == '+')
        {
            _position++;
            parts.Add(ParseTerm());
        }

        return parts.Count == 1 ? parts[0] : new SumRate(parts);
    }

    private IRatePattern ParseTerm()
    {
        SkipSpace();
        var start = _position;
        var word = ReadWord();
        if (word.Length == 0)
        {
            throw _position < text.Length ? Error($"expected a pattern, found '{text[_position]}'") : Error("expected a pattern at the end");
        }

        if (double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out var constant))
        {
            return new ConstantRate(constant);
        }

        var name = word.ToLowerInvariant();
        if (!RatePatterns.All.Contains(name))
        {
            var where = start == 0 ? "" : $" (at {start + 1})";
            throw new InvalidWorkloadException($"'{word}'{where} is not a pattern; use one of {string.Join(", ", RatePatterns.All)}");
        }

        var args = new Arguments(name);
        var nested = Peek() is '(' or ':';
        if (nested && ++_depth > RatePatterns.MaxNesting)
        {
            // Each level is a frame of this parser: bounded, a deep pattern is a message, not a stack overflow.
            throw Error($"patterns nest more than {RatePatterns.MaxNesting} deep, the most the tool takes");
        }

        switch (Peek())
        {
            case '(':
                _position++;
                if (Peek() != ')')
                {
                    ReadArguments(args);
                }

                if (Peek() != ')')
                {
                    throw Error($"{name}(…) is not closed; expected ')'");
                }

                _position++;
                break;
            case ':':
                _position++;
                ReadArguments(args);
                break;
        }

        var built = Build(args);
        if (nested)
        {
            _depth--;
        }

        return built;
    }

    private void ReadArguments(Arguments args)
    {
        do
        {
            SkipSpace();
            var save = _position;
            var key = ReadWord();
            if (key.Length > 0 && Peek() == '=')
            {
                _position++;
                var at = _position;
                var value = ReadValue();
                if (value.Length == 0)
                {
                    throw Error($"{args.Pattern}: {key}= has no value");
                }

                args.Add(key, value, at);
            }
            else
            {
                _position = save;
                args.Patterns.Add(ParseSum());
            }
        }
        while (TryTake(','));
    }

    private IRatePattern Build(Arguments a) => a.Pattern switch
    {
        RatePatterns.Constant => BuildConstant(a),
        RatePatterns.Step => BuildStep(a),
        RatePatterns.Ramp => Done(a, new RampRate(a.RequiredNumber("from"), a.RequiredNumber("to"), a.RequiredDuration("over"))),
        RatePatterns.Spike => Done(a, new SpikeRate(a.RequiredNumber("base"), a.RequiredNumber("peak"), a.RequiredDuration("at"), a.RequiredDuration("length"))),
        RatePatterns.Sine => Done(a, new SineRate(a.RequiredNumber("mean"), a.RequiredNumber("amplitude"), a.RequiredDuration("period"))),
        RatePatterns.Trace => BuildTrace(a),
        RatePatterns.Diurnal => Done(a, new DiurnalRate(
            a.Number("min") ?? 0, a.RequiredNumber("max"), a.Hour("peak") ?? 15, a.Number("weekend") ?? 1, a.Duration("day"))),
        RatePatterns.Poisson => BuildPoisson(a),
        _ => BuildSum(a),
    };

    private static IRatePattern Done(Arguments a, IRatePattern pattern)
    {
        a.RejectRest();
        return pattern;
    }

    private static ConstantRate BuildConstant(Arguments a)
    {
        // constant(100) is constant(rate=100): the bare number parsed as a nested constant.
        if (a.Patterns is [ConstantRate positional] && a.Values.Count == 0)
        {
            a.Patterns.Clear();
            return positional;
        }

        var rate = a.RequiredNumber("rate");
        a.RejectRest();
        return new ConstantRate(rate);
    }

    private static StepRate BuildStep(Arguments a)
    {
        if (a.Patterns.Count > 0)
        {
            throw new InvalidWorkloadException("step: give time=rate points, e.g. step(0s=50, 10s=200)");
        }

        var points = new List<RatePoint>();
        foreach (var (key, value, _) in a.Values)
        {
            if (!Durations.TryParse(key, out var at))
            {
                throw new InvalidWorkloadException($"step: '{key}' in '{key}={value}' is not a time; use e.g. 500ms, 10s or 2m");
            }

            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate))
            {
                throw new InvalidWorkloadException($"step: '{value}' in '{key}={value}' is not a number of requests per second");
            }

            points.Add(new RatePoint(at, rate));
        }

        a.Values.Clear();
        return new StepRate(points, "step");
    }

    private TraceRate BuildTrace(Arguments a)
    {
        var file = a.Text("file") ?? throw new InvalidWorkloadException("trace: file is required, e.g. trace(file=day.csv, scale=0.01)");
        var scale = a.Number("scale") ?? 1;
        var rateScale = a.Number("rateScale") ?? 1;
        if (rateScale <= 0)
        {
            throw new InvalidWorkloadException($"trace: rateScale {RateChecks.Show(rateScale)} must be above 0 (it multiplies every rate: 2 doubles them)");
        }

        a.RejectRest();
        var path = baseDirectory is null ? file : Path.Combine(baseDirectory, file);
        return TraceRate.Load(path, scale, rateScale);
    }

    private static PoissonNoise BuildPoisson(Arguments a)
    {
        if (a.Patterns.Count != 1)
        {
            throw new InvalidWorkloadException($"poisson: needs exactly one pattern to add noise to, e.g. poisson(diurnal(min=20, max=200), seed=7); found {a.Patterns.Count}");
        }

        var seed = a.Number("seed") ?? 0;
        if (seed != Math.Floor(seed) || seed < int.MinValue || seed > int.MaxValue)
        {
            throw new InvalidWorkloadException($"poisson: seed {RateChecks.Show(seed)} must be a whole number");
        }

        var bucket = a.Duration("bucket") ?? TimeSpan.FromSeconds(1);
        var inner = a.Patterns[0];
        a.Patterns.Clear();
        a.RejectRest();
        return new PoissonNoise(inner, (int)seed, bucket);
    }

    private static SumRate BuildSum(Arguments a)
    {
        var parts = a.Patterns.ToList();
        a.Patterns.Clear();
        a.RejectRest();
        return new SumRate(parts);
    }

    private string ReadWord()
    {
        SkipSpace();
        var start = _position;
        while (_position < text.Length && !char.IsWhiteSpace(text[_position]) && !Delimiters.Contains(text[_position], StringComparison.Ordinal))
        {
            // An exponent's sign belongs to the number: 1e+3.
            if (IsExponentSign(start))
            {
                _position++;
            }

            _position++;
        }

        return text[start.._position];
    }

    private bool IsExponentSign(int start) =>
        _position + 1 < text.Length && text[_position] is 'e' or 'E' && text[_position + 1] is '+' or '-'
        && _position > start && char.IsDigit(text[_position - 1]) && char.IsDigit(text[start]);

    /// <summary>A value: a quoted string, or everything up to ',', ')' or '+' (trimmed).</summary>
    private string ReadValue()
    {
        SkipSpace();
        if (_position < text.Length && text[_position] is '\'' or '"')
        {
            var quote = text[_position];
            var end = text.IndexOf(quote, _position + 1);
            if (end < 0)
            {
                throw Error($"the quoted value starting at {_position + 1} is not closed");
            }

            var quoted = text[(_position + 1)..end];
            _position = end + 1;
            return quoted;
        }

        var start = _position;
        while (_position < text.Length && text[_position] is not (',' or ')' or '+' or '(' or '='))
        {
            if (text[_position] is 'e' or 'E' && _position + 1 < text.Length && text[_position + 1] is '+' or '-')
            {
                _position++;
            }

            _position++;
        }

        return text[start.._position].Trim();
    }

    private char? Peek()
    {
        SkipSpace();
        return _position < text.Length ? text[_position] : null;
    }

    private bool TryTake(char c)
    {
        if (Peek() == c)
        {
            _position++;
            return true;
        }

        return false;
    }

    private void SkipSpace()
    {
        while (_position < text.Length && char.IsWhiteSpace(text[_position]))
        {
            _position++;
        }
    }

    private InvalidWorkloadException Error(string what) =>
        new($"pattern '{(text.Length <= QuotedLength ? text : text[..QuotedLength] + "…")}': {what} (at {Math.Min(_position, text.Length) + 1})");

    /// <summary>The arguments of one pattern: key=value pairs, read off as the pattern asks for them, and nested patterns.</summary>
    private sealed class Arguments(string pattern)
    {
        public string Pattern { get; } = pattern;

        public List<(string Key, string Value, int At)> Values { get; } = [];

        public List<IRatePattern> Patterns { get; } = [];

        private readonly List<string> _known = [];

        public void Add(string key, string value, int at)
        {
            if (Values.Any(v => string.Equals(v.Key, key, StringComparison.OrdinalIgnoreCase)))
            {
                throw new InvalidWorkloadException($"{Pattern}: {key} is given twice");
            }

            Values.Add((key, value, at));
        }

        public string? Text(string key)
        {
            _known.Add(key);
            var i = Values.FindIndex(v => string.Equals(v.Key, key, StringComparison.OrdinalIgnoreCase));
            if (i < 0)
            {
                return null;
            }

            var value = Values[i].Value;
            Values.RemoveAt(i);
            return value;
        }

        public double? Number(string key)
        {
            var value = Text(key);
            if (value is null)
            {
                return null;
            }

            return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
                ? number
                : throw new InvalidWorkloadException($"{Pattern}: {key} '{value}' is not a number");
        }

        public double RequiredNumber(string key) => Number(key) ?? throw Missing(key);

        public TimeSpan RequiredDuration(string key) => Duration(key) ?? throw Missing(key);

        public TimeSpan? Duration(string key)
        {
            var value = Text(key);
            if (value is null)
            {
                return null;
            }

            return Durations.TryParse(value, out var duration)
                ? duration
                : throw new InvalidWorkloadException($"{Pattern}: {key} '{value}' is not a duration; use e.g. 500ms, 10s, 2m or 1h");
        }

        /// <summary>An hour of the day: a plain number of hours (15, 9.5) or a time such as 15h30m.</summary>
        public double? Hour(string key)
        {
            var value = Text(key);
            if (value is null)
            {
                return null;
            }

            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var hours))
            {
                return hours;
            }

            return Durations.TryParse(value, out var time)
                ? time.TotalHours
                : throw new InvalidWorkloadException($"{Pattern}: {key} '{value}' is not an hour of the day; use e.g. 15 or 15h30m");
        }

        public void RejectRest()
        {
            if (Patterns.Count > 0)
            {
                throw new InvalidWorkloadException($"{Pattern}: takes no pattern inside it (only poisson and sum do)");
            }

            if (Values.Count > 0)
            {
                throw new InvalidWorkloadException(
                    $"{Pattern}: unknown parameter '{Values[0].Key}' (known: {string.Join(", ", _known)})");
            }
        }

        private InvalidWorkloadException Missing(string key) =>
            new($"{Pattern}: {key} is required; {Pattern}({string.Join(", ", Required(Pattern))})");

        private static IEnumerable<string> Required(string pattern) => pattern switch
        {
            RatePatterns.Constant => ["rate=R"],
            RatePatterns.Ramp => ["from=R", "to=R", "over=D"],
            RatePatterns.Spike => ["base=R", "peak=R", "at=D", "length=D"],
            RatePatterns.Sine => ["mean=R", "amplitude=R", "period=D"],
            RatePatterns.Diurnal => ["min=R", "max=R", "peak=HOUR", "weekend=X", "day=D"],
            _ => ["…"],
        };
    }
}
