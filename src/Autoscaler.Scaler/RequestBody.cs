using Microsoft.AspNetCore.Http;

namespace Autoscaler.Scaler;

/// <summary>Reads a request body up to a size limit, whether or not the sender states its length.</summary>
internal static class RequestBody
{
    /// <summary>
    /// The whole body, or a 413 once it is known to be larger than <paramref name="maxBytes"/>: from <c>Content-Length</c>
    /// before reading, or as soon as more bytes than that have arrived, since a chunked body states no length.
    /// <paramref name="hint"/>, when given, follows the 413's reason (what to send instead).
    /// </summary>
    public static async Task<(ReadOnlyMemory<byte> Body, IResult? TooLarge)> ReadAsync(HttpContext context, int maxBytes, string? hint = null)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            return (default, TooLarge(maxBytes, hint));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[Math.Min(maxBytes + 1, 16 * 1024)];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return (default, TooLarge(maxBytes, hint));
            }

            buffer.Write(chunk, 0, read);
        }

        // The array outlives the stream: disposing a MemoryStream does not clear it.
        return (buffer.GetBuffer().AsMemory(0, (int)buffer.Length), null);
    }

    private static IResult TooLarge(int maxBytes, string? hint) =>
        Results.Text($"the body is larger than {maxBytes} bytes{(hint is null ? "" : $"; {hint}")}", statusCode: StatusCodes.Status413PayloadTooLarge);
}
