using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Autoscaler.Scaler;

/// <summary>Checks <c>Authorization: Bearer TOKEN</c> in constant time.</summary>
internal static class BearerToken
{
    public static bool Matches(HttpRequest request, string token)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()), Encoding.UTF8.GetBytes(token));
    }
}
