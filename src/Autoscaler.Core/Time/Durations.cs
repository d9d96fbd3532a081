using System.ComponentModel;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Autoscaler.Core.Time;

/// <summary>Parses and formats human durations such as <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h30m</c>, <c>30d</c>, <c>2w</c>.</summary>
public static partial class Durations
{
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    [GeneratedRegex(@"^\s*(?:(?<v>\d+(?:\.\d+)?)(?<u>ms|w|d|h|m|s))+\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex UnitPattern();

    /// <summary>Parses a duration (units ms, s, m, h, d, w); a bare number means seconds, and <c>hh:mm:ss</c> is accepted too.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            if (!double.IsFinite(seconds) || Math.Abs(seconds) >= TimeSpan.MaxValue.TotalSeconds)
            {
                return false;
            }

            value = TimeSpan.FromSeconds(seconds);
            return true;
        }

        var match = UnitPattern().Match(trimmed);
        if (match.Success)
        {
            var total = 0.0;
            var values = match.Groups["v"].Captures;
            var units = match.Groups["u"].Captures;
            for (var i = 0; i < values.Count; i++)
            {
                var v = double.Parse(values[i].Value, CultureInfo.InvariantCulture);
                total += units[i].Value switch
                {
                    "ms" => v / 1000,
                    "s" => v,
                    "m" => v * 60,
                    "h" => v * 3600,
                    "d" => v * 86400,
                    _ => v * 604800,
                };
            }

            // A sum of units can pass what a TimeSpan holds (99999999999999999w): not a duration, never an overflow.
            if (!(total < TimeSpan.MaxValue.TotalSeconds))
            {
                return false;
            }

            value = TimeSpan.FromSeconds(total);
            return true;
        }

        return trimmed.Contains(':', StringComparison.Ordinal)
            && TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Parses a duration or throws a <see cref="FormatException"/> that says what is accepted.</summary>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a duration; use e.g. 500ms, 30s, 2m, 1h30m, 2w or a number of seconds");

    /// <summary>Formats a duration the way <see cref="Parse"/> reads it: whole weeks as <c>2w</c>, else seconds or milliseconds.</summary>
    public static string Format(TimeSpan value)
    {
        if (value > TimeSpan.Zero && value.Ticks % Week.Ticks == 0)
        {
            return (value.Ticks / Week.Ticks).ToString(CultureInfo.InvariantCulture) + "w";
        }

        if (value.TotalSeconds < 1 && value != TimeSpan.Zero)
        {
            return value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms";
        }

        return value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
    }

    /// <summary>
    /// Formats a duration for people, as every table, report and status line shows one: the largest unit first and at
    /// most three units, zeros left out, the smallest shown unit truncated (<c>4d 18h 58m</c>, <c>2h 5m 3s</c>,
    /// <c>1m 18s</c>, <c>42s</c>, <c>2.5s</c>, <c>250ms</c>, <c>0s</c>). Not for files: <see cref="Format"/> round-trips.
    /// </summary>
    public static string Humanize(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            return "-" + Humanize(value.Duration());
        }

        var c = CultureInfo.InvariantCulture;
        if (value < TimeSpan.FromSeconds(1))
        {
            return value == TimeSpan.Zero ? "0s" : value.TotalMilliseconds.ToString("0.###", c) + "ms";
        }

        if (value < TimeSpan.FromSeconds(10))
        {
            // Truncated, as the longer forms are: 9.96 s is "9.9s", never "10s".
            return (Math.Floor(value.TotalSeconds * 10) / 10).ToString("0.#", c) + "s";
        }

        var seconds = (long)Math.Floor(value.TotalSeconds);
        (long Amount, string Unit)[] units = [(seconds / 86_400, "d"), (seconds / 3600 % 24, "h"), (seconds / 60 % 60, "m"), (seconds % 60, "s")];
        var first = Array.FindIndex(units, u => u.Amount > 0);
        return string.Join(' ', units.Skip(first).Take(3).Where(u => u.Amount > 0).Select(u => u.Amount.ToString(c) + u.Unit));
    }

    /// <summary>
    /// Lets configuration binding read <c>30s</c> or <c>500ms</c> for every <see cref="TimeSpan"/> option,
    /// so environment variables take the same values as command-line flags.
    /// </summary>
    public static void RegisterForConfigurationBinding()
    {
        if (TypeDescriptor.GetConverter(typeof(TimeSpan)) is not DurationConverter)
        {
            TypeDescriptor.AddAttributes(typeof(TimeSpan), new TypeConverterAttribute(typeof(DurationConverter)));
        }
    }

    private sealed class DurationConverter : TimeSpanConverter
    {
        public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
            value is string text ? Parse(text) : base.ConvertFrom(context, culture, value);
    }
}
