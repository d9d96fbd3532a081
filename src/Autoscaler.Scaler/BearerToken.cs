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

    /// <summary>
    /// Null when the request carries <paramref name="token"/>; otherwise a 401 with <c>WWW-Authenticate: Bearer</c> that
    /// names <paramref name="setting"/>, the configuration key holding the token (never the token itself).
    /// </summary>
    public static IResult? Challenge(HttpContext context, string token, string setting)
    {
        if (Matches(context.Request, token))
        {
            return null;
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Text($"missing or wrong bearer token (Authorization: Bearer <{setting}>)", statusCode: StatusCodes.Status401Unauthorized);
    }
}
