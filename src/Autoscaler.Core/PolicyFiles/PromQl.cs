namespace Autoscaler.Core.PolicyFiles;

/// <summary>A problem in a PromQL query: where (0-based offset in the query) and what.</summary>
/// <param name="Offset">0-based position of the character the problem is about.</param>
/// <param name="Message">What is wrong.</param>
public sealed record PromQlProblem(int Offset, string Message);

/// <summary>
/// A check of PromQL, not an evaluator: it tokenises a query, balances <c>()</c>, <c>[]</c>, <c>{}</c> and quotes, and
/// checks that every name called as a function is one of Prometheus' functions or aggregation operators. That finds
/// the typos a policy file most often carries (<c>sum(rate(foo[5m]</c>, <c>rat(foo[5m])</c>) when it is validated,
/// not at the first query to a live Prometheus. Everything else is left to Prometheus.
/// </summary>
public static class PromQl
{
    /// <summary>Prometheus' functions (promql/parser/functions.go, 3.x, experimental ones included, and <c>holt_winters</c> of 2.x).</summary>
    public static IReadOnlySet<string> Functions { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh", "avg_over_time", "ceil",
        "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh", "count_over_time", "days_in_month", "day_of_month",
        "day_of_week", "day_of_year", "deg", "delta", "deriv", "double_exponential_smoothing", "end", "exp",
        "first_over_time", "floor", "histogram_avg", "histogram_count", "histogram_fraction", "histogram_quantile",
        "histogram_quantiles", "histogram_stddev", "histogram_stdvar", "histogram_sum", "holt_winters", "hour", "idelta",
        "increase", "info", "integral", "irate", "label_join", "label_replace", "last_over_time", "ln", "log10", "log2",
        "mad_over_time", "max_over_time", "min_over_time", "minute", "month", "pi", "predict_linear", "present_over_time",
        "quantile_over_time", "rad", "range", "rate", "resets", "round", "scalar", "sgn", "sin", "sinh", "sort",
        "sort_by_label", "sort_by_label_desc", "sort_desc", "sqrt", "start", "step", "stddev_over_time",
        "stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp", "ts_of_first_over_time",
        "ts_of_last_over_time", "ts_of_max_over_time", "ts_of_min_over_time", "vector", "year",
    };

    /// <summary>Aggregation operators, which take <c>by (…)</c> or <c>without (…)</c> before or after their arguments.</summary>
    public static IReadOnlySet<string> Aggregations { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk", "bottomk", "count_values", "quantile", "limitk", "limit_ratio",
    };

    // Words followed by a parenthesis that is not a call: label lists and binary operators.
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "atan2",
    };

    /// <summary>Every problem found in <paramref name="query"/>, in order; empty when it looks like PromQL.</summary>
    public static IReadOnlyList<PromQlProblem> Check(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var problems = new List<PromQlProblem>();
        var open = new Stack<(char Bracket, int At)>();
        var sawToken = false;
        var i = 0;
        while (i < query.Length)
        {
            var c = query[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (c == '#')
            {
                while (i < query.Length && query[i] != '\n')
                {
                    i++;
                }

                continue;
            }

            sawToken = true;
            if (c is '"' or '\'' or '`')
            {
                var end = StringEnd(query, i);
                if (end < 0)
                {
                    problems.Add(new(i, $"the string starting with {c} is never closed"));
                    return problems;
                }

                i = end + 1;
                continue;
            }

            if (c is '(' or '[' or '{')
            {
                open.Push((c, i));
                i++;
                continue;
            }

            if (c is ')' or ']' or '}')
            {
                var wanted = c == ')' ? '(' : c == ']' ? '[' : '{';
                if (open.Count == 0)
                {
                    problems.Add(new(i, $"'{c}' closes nothing"));
                }
                else if (open.Peek().Bracket != wanted)
                {
                    var (bracket, at) = open.Pop();
                    problems.Add(new(i, $"'{c}' closes '{bracket}' opened at position {at + 1}; expected '{Closing(bracket)}'"));
                }
                else
                {
                    open.Pop();
                }

                i++;
                continue;
            }

            if (char.IsDigit(c) || (c == '.' && i + 1 < query.Length && char.IsDigit(query[i + 1])))
            {
                // Numbers, durations (5m, 1h30m) and exponents (1e-3) are one token.
                i++;
                while (i < query.Length && (char.IsLetterOrDigit(query[i]) || query[i] is '.' or '_'
                    || (query[i] is '+' or '-' && query[i - 1] is 'e' or 'E')))
                {
                    i++;
                }

                continue;
            }

            if (char.IsLetter(c) || c is '_' or ':')
            {
                var start = i;
                while (i < query.Length && (char.IsLetterOrDigit(query[i]) || query[i] is '_' or ':'))
                {
                    i++;
                }

                var word = query[start..i];
                var next = i;
                while (next < query.Length && char.IsWhiteSpace(query[next]))
                {
                    next++;
                }

                var inLabels = open.Count > 0 && open.Peek().Bracket == '{';
                if (!inLabels && next < query.Length && query[next] == '(' && !Keywords.Contains(word)
                    && !Functions.Contains(word) && !Aggregations.Contains(word))
                {
                    problems.Add(new(start, $"unknown function '{word}'{Suggestion(word)}"));
                }

                continue;
            }

            if ("+-*/%^=!<>~,@:".Contains(c, StringComparison.Ordinal))
            {
                i++;
                continue;
            }

            problems.Add(new(i, $"unexpected character '{c}'"));
            i++;
        }

        if (!sawToken)
        {
            problems.Add(new(0, "the query is empty"));
        }

        foreach (var (bracket, at) in open.Reverse())
        {
            problems.Add(new(at, $"'{bracket}' is never closed (a '{Closing(bracket)}' is missing)"));
        }

        return [.. problems.OrderBy(p => p.Offset)];
    }

    private static char Closing(char bracket) => bracket == '(' ? ')' : bracket == '[' ? ']' : '}';

    private static int StringEnd(string query, int start)
    {
        var quote = query[start];
        for (var i = start + 1; i < query.Length; i++)
        {
            if (query[i] == '\\' && quote != '`')
            {
                i++;
            }
            else if (query[i] == quote)
            {
                return i;
            }
        }

        return -1;
    }

    private static string Suggestion(string word)
    {
        // Among equally close names, one the word begins (a name cut short) is the likelier meaning.
        var best = Functions.Concat(Aggregations).Order(StringComparer.Ordinal)
            .Select(f => (Name: f, Distance: Distance(word, f)))
            .MinBy(f => (f.Distance, f.Name.StartsWith(word, StringComparison.Ordinal) ? 0 : 1));
        return best.Distance <= 2 ? $" (did you mean {best.Name}?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
