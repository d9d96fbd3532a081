using System.Globalization;

namespace Autoscaler.Simulation.Workloads;

/// <summary>
/// A recorded rate replayed from a CSV trace (<c>seconds,rps</c> with that header row). Each row's rate
/// holds until the next row, the last one until the end of the run; before the first row the rate is 0.
/// </summary>
public sealed class TraceRate : IRatePattern
{
    /// <summary>The header row a trace must start with.</summary>
    public const string Header = "seconds,rps";

    /// <summary>
    /// The most rows (lines, blank ones included) a trace may have: 10 million, a 115-day trace at one row a second,
    /// which simulates in about 30 s and 700 MB (docs/simulation.md). Memory grows with the rows, so they are bounded.
    /// </summary>
    public const int MaxRows = 10_000_000;

    /// <summary>The longest line of a trace, in characters; a row is about 20.</summary>
    public const int MaxLineLength = 1000;

    private readonly long[] _ticks;
    private readonly double[] _rates;

    /// <summary>Creates the pattern from points in trace time.</summary>
    /// <param name="points">Points in strictly increasing time order, times as written in the trace.</param>
    /// <param name="timeScale">
    /// Multiplies the trace's times: 0.5 plays it twice as fast, 2 half as fast. Rates are not scaled.
    /// </param>
    /// <param name="rateScale">
    /// Multiplies the trace's rates: 2 doubles every rate, so a recorded shape can be replayed at another size.
    /// </param>
    public TraceRate(IEnumerable<RatePoint> points, double timeScale = 1, double rateScale = 1)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (!double.IsFinite(timeScale) || timeScale <= 0)
        {
            throw new InvalidWorkloadException($"trace: time scale {RateChecks.Show(timeScale)} must be a number above 0 (0.5 plays twice as fast)");
        }

        if (!double.IsFinite(rateScale) || rateScale <= 0)
        {
            throw new InvalidWorkloadException($"trace: rate scale {RateChecks.Show(rateScale)} must be a number above 0 (2 doubles every rate)");
        }

        Points = points as IReadOnlyList<RatePoint> ?? [.. points];
        if (Points.Count > MaxRows)
        {
            throw new InvalidWorkloadException(string.Create(CultureInfo.InvariantCulture, $"trace: {Points.Count:N0} rows are more than the {MaxRows:N0} a trace may have"));
        }

        var peak = StepRate.Check(Points, "trace");
        TimeScale = timeScale;
        RateScale = rateScale;
        Peak = RateChecks.Peak(peak * rateScale, $"trace: the highest rate times rate scale {RateChecks.Show(rateScale)}");
        _ticks = [.. Points.Select(p => Scale(p.At).Ticks)];
        _rates = [.. Points.Select(p => p.Rate * rateScale)];
        for (var i = 1; i < _ticks.Length; i++)
        {
            if (_ticks[i] <= _ticks[i - 1])
            {
                throw new InvalidWorkloadException(
                    $"trace: time scale {RateChecks.Show(timeScale)} squeezes {RateChecks.Show(Points[i - 1].At)} and {RateChecks.Show(Points[i].At)} into the same instant");
            }
        }
    }

    /// <summary>The trace's points, times and rates as written (before scaling).</summary>
    public IReadOnlyList<RatePoint> Points { get; }

    /// <summary>Factor applied to the trace's times.</summary>
    public double TimeScale { get; }

    /// <summary>Factor applied to the trace's rates.</summary>
    public double RateScale { get; }

    /// <summary>When the last row starts, after scaling.</summary>
    public TimeSpan LastPointAt => TimeSpan.FromTicks(_ticks[^1]);

    /// <inheritdoc />
    public string Name => RatePatterns.Trace;

    /// <inheritdoc />
    public double Peak { get; }

    /// <inheritdoc />
    public double RateAt(TimeSpan elapsed) => StepRate.Hold(_ticks, _rates, elapsed);

    /// <summary>
    /// Creates the pattern from (seconds since the start, requests per second) points in increasing time order,
    /// e.g. a demand series fetched from Prometheus.
    /// </summary>
    public static TraceRate FromSeconds(IEnumerable<(double Seconds, double Rate)> points, double timeScale = 1)
    {
        ArgumentNullException.ThrowIfNull(points);
        var converted = new List<RatePoint>();
        foreach (var (seconds, rate) in points)
        {
            if (!double.IsFinite(seconds) || seconds < 0)
            {
                throw new InvalidWorkloadException($"trace: time {RateChecks.Show(seconds)} s is not a time since the start (0 or more seconds)");
            }

            if (seconds > RatePatterns.MaxDuration.TotalSeconds)
            {
                throw new InvalidWorkloadException($"trace: time {RateChecks.Show(seconds)} s is past {RatePatterns.MaxDurationText}, the longest a trace may span");
            }

            converted.Add(new RatePoint(TimeSpan.FromSeconds(seconds), rate));
        }

        if (converted.Count == 0)
        {
            throw new InvalidWorkloadException("trace: no points");
        }

        return new TraceRate(converted, timeScale);
    }

    /// <summary>Reads a trace file; problems name the file and the line.</summary>
    public static TraceRate Load(string path, double timeScale = 1, double rateScale = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        StreamReader reader;
        try
        {
            reader = new StreamReader(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            var reason = e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message;
            throw new InvalidWorkloadException($"cannot read trace file '{path}': {reason}", e);
        }

        using (reader)
        {
            try
            {
                return Parse(reader, path, timeScale, rateScale);
            }
            catch (IOException e)
            {
                throw new InvalidWorkloadException($"cannot read trace file '{path}': {e.Message}", e);
            }
        }
    }

    /// <summary>Parses a trace; <paramref name="source"/> names it in error messages.</summary>
    public static TraceRate Parse(TextReader reader, string source, double timeScale = 1, double rateScale = 1)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var points = new List<RatePoint>();
        var lineNumber = 0;
        var sawHeader = false;
        var lines = new BoundedLines(reader);
        while (lines.Next(source, lineNumber + 1) is { } raw)
        {
            lineNumber++;
            if (lineNumber > MaxRows + 1)
            {
                throw new InvalidWorkloadException(string.Create(CultureInfo.InvariantCulture,
                    $"{source} line {lineNumber}: the trace has more than the {MaxRows:N0} rows a trace may have; thin it out (one row per second or minute is plenty)"));
            }

            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (!sawHeader)
            {
                if (!IsHeader(line))
                {
                    throw new InvalidWorkloadException($"{source} line {lineNumber}: expected the header row '{Header}', found '{line}'");
                }

                sawHeader = true;
                continue;
            }

            var fields = line.Split(',', StringSplitOptions.TrimEntries);
            if (fields.Length != 2)
            {
                throw new InvalidWorkloadException($"{source} line {lineNumber}: expected 2 fields (seconds,rps), found {fields.Length} in '{line}'");
            }

            if (!double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !double.IsFinite(seconds))
            {
                throw new InvalidWorkloadException($"{source} line {lineNumber}: seconds '{fields[0]}' is not a number");
            }

            if (seconds < 0)
            {
                throw new InvalidWorkloadException($"{source} line {lineNumber}: seconds {fields[0]} is out of range; use 0 or more");
            }

            if (seconds > RatePatterns.MaxDuration.TotalSeconds)
            {
                throw new InvalidWorkloadException(string.Create(CultureInfo.InvariantCulture,
                    $"{source} line {lineNumber}: seconds {fields[0]} is past {RatePatterns.MaxDurationText} ({RatePatterns.MaxDuration.TotalSeconds:0} s), the longest a trace may span"));
            }

            if (!double.TryParse(fields[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var rps) || !double.IsFinite(rps))
            {
                throw new InvalidWorkloadException($"{source} line {lineNumber}: rps '{fields[1]}' is not a number");
            }

            if (rps < 0)
            {
                throw new InvalidWorkloadException($"{source} line {lineNumber}: rps {fields[1]} is negative; use 0 or more");
            }

            if (rps > RatePatterns.MaxRate)
            {
                throw new InvalidWorkloadException($"{source} line {lineNumber}: rps {fields[1]} is above {RatePatterns.MaxRateText}, the highest rate the tool takes");
            }

            var at = TimeSpan.FromSeconds(seconds);
            if (points.Count > 0 && at <= points[^1].At)
            {
                throw new InvalidWorkloadException(
                    $"{source} line {lineNumber}: seconds {fields[0]} does not come after the previous row's {RateChecks.Show(points[^1].At.TotalSeconds)}");
            }

            points.Add(new RatePoint(at, rps));
        }

        if (!sawHeader)
        {
            throw new InvalidWorkloadException($"{source}: the trace is empty; expected the header row '{Header}' and then rows of seconds,rps");
        }

        if (points.Count == 0)
        {
            throw new InvalidWorkloadException($"{source}: no rows after the header '{Header}'");
        }

        try
        {
            return new TraceRate(points, timeScale, rateScale);
        }
        catch (InvalidWorkloadException e)
        {
            throw new InvalidWorkloadException($"{source}: {e.Message}", e);
        }
    }

    private TimeSpan Scale(TimeSpan at)
    {
        var ticks = Math.Round(at.Ticks * TimeScale);
        return ticks <= RatePatterns.MaxDuration.Ticks
            ? TimeSpan.FromTicks((long)ticks)
            : throw new InvalidWorkloadException($"trace: time scale {RateChecks.Show(TimeScale)} puts {RateChecks.Show(at)} past {RatePatterns.MaxDurationText}, the longest a trace may span");
    }

    /// <summary>Lines of a reader (ended by \n, \r\n or \r, as <see cref="TextReader.ReadLine"/>), each refused past <see cref="MaxLineLength"/> before more of it is held.</summary>
    private sealed class BoundedLines(TextReader reader)
    {
        private readonly char[] _buffer = new char[64 * 1024];
        private readonly System.Text.StringBuilder _line = new();
        private int _position;
        private int _length;
        private bool _afterReturn;

        /// <summary>The next line without its end, or null at the end of the text.</summary>
        public string? Next(string source, int lineNumber)
        {
            _line.Clear();
            while (true)
            {
                if (_position == _length)
                {
                    _length = reader.Read(_buffer, 0, _buffer.Length);
                    _position = 0;
                    if (_length == 0)
                    {
                        return _line.Length > 0 ? _line.ToString() : null;
                    }
                }

                if (_afterReturn)
                {
                    // The \n of a \r\n, perhaps in the next block.
                    _afterReturn = false;
                    if (_buffer[_position] == '\n')
                    {
                        _position++;
                        continue;
                    }
                }

                var start = _position;
                while (_position < _length && _buffer[_position] is not ('\n' or '\r'))
                {
                    _position++;
                }

                _line.Append(_buffer, start, _position - start);
                if (_line.Length > MaxLineLength)
                {
                    throw new InvalidWorkloadException($"{source} line {lineNumber}: longer than the {MaxLineLength} characters a trace line may have; a row is seconds,rps");
                }

                if (_position < _length)
                {
                    _afterReturn = _buffer[_position++] == '\r';
                    return _line.ToString();
                }
            }
        }
    }

    private static bool IsHeader(string line)
    {
        var fields = line.TrimStart('\uFEFF').Split(',', StringSplitOptions.TrimEntries);
        return fields.Length == 2
            && fields[0].Equals("seconds", StringComparison.OrdinalIgnoreCase)
            && fields[1].Equals("rps", StringComparison.OrdinalIgnoreCase);
    }
}
