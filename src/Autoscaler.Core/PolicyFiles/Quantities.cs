using System.Globalization;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>Kubernetes resource quantities as HPA targets use them: <c>500m</c>, <c>30</c>, <c>1.5k</c>, <c>2Mi</c>.</summary>
internal static class Quantities
{
    private static readonly (string Suffix, double Factor)[] Suffixes =
    [
        ("Ki", 1024), ("Mi", 1024 * 1024), ("Gi", 1024.0 * 1024 * 1024), ("Ti", 1024.0 * 1024 * 1024 * 1024),
        ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12),
    ];

    public static bool TryParse(string text, out double value)
    {
        foreach (var (suffix, factor) in Suffixes)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                value = number * factor;
                return double.IsFinite(value);
            }
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    /// <summary>Formats a value as Kubernetes would accept it: milli-units below 1 when whole, else plain.</summary>
    public static string Format(double value)
    {
        var milli = value * 1000;
        return value < 1 && Math.Abs(milli - Math.Round(milli)) < 1e-9 && value != 0
            ? Math.Round(milli).ToString(CultureInfo.InvariantCulture) + "m"
            : value.ToString("R", CultureInfo.InvariantCulture);
    }
}
