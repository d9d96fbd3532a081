using System.Diagnostics.CodeAnalysis;

namespace Autoscaler.Gateway.Destinations;

/// <summary>Checks and normalizes replica addresses, so one replica has one spelling (it is also YARP's destination id).</summary>
internal static class DestinationAddress
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out Uri? address, [NotNullWhen(false)] out string? reason)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            reason = "an address is empty; use e.g. http://127.0.0.1:8001";
            return false;
        }

        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        {
            reason = $"'{text}' is not an absolute http:// or https:// URL such as http://127.0.0.1:8001";
            return false;
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            reason = $"'{text}' has a query, fragment or user name; give scheme, host, port and at most a path prefix";
            return false;
        }

        address = Normalize(uri);
        reason = null;
        return true;
    }

    /// <summary>Validates an address given through the API; throws <see cref="ArgumentException"/> when unusable.</summary>
    public static Uri Require(Uri address, string parameter)
    {
        ArgumentNullException.ThrowIfNull(address, parameter);
        return TryParse(address.IsAbsoluteUri ? address.AbsoluteUri : address.OriginalString, out var normalized, out var reason)
            ? normalized
            : throw new ArgumentException(reason, parameter);
    }

    private static Uri Normalize(Uri uri) => new(uri.GetLeftPart(UriPartial.Path), UriKind.Absolute);
}
