using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Autoscaler.Scaler.Console;

/// <summary>One file of the console as the assembly holds it: its bytes, its content type and an ETag of its content.</summary>
internal sealed record ConsoleAsset(string Path, byte[] Content, string ContentType, string ETag);

/// <summary>
/// The console's files, embedded in this assembly at build time (Console/web and uPlot's dist files, see the project
/// file): read once, served from memory with an ETag, so a reload costs a 304 and no file on disk is ever read.
/// </summary>
internal static class ConsoleAssets
{
    private const string Prefix = "console/";

    private static readonly FrozenDictionary<string, string> Types = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
        [".json"] = "application/json; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly Lazy<FrozenDictionary<string, ConsoleAsset>> All = new(Load);

    /// <summary>The asset at <paramref name="path"/> (relative to <c>/console/</c>, e.g. <c>pages/overview.js</c>), or null.</summary>
    public static ConsoleAsset? Find(string path) => All.Value.GetValueOrDefault(path);

    /// <summary>Every asset's path, for tests and the shell's 404 message.</summary>
    public static IEnumerable<string> Paths => All.Value.Keys;

    /// <summary>Writes <paramref name="asset"/>, or 304 when the browser's copy (If-None-Match) is this one.</summary>
    public static IResult Serve(HttpContext context, ConsoleAsset asset)
    {
        var headers = context.Response.Headers;
        headers.ETag = asset.ETag;
        // Revalidated on every load (cheap: a 304), so a new binary's console is never mixed with a cached old one.
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        if (context.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, ConsoleAsset> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var assets = new Dictionary<string, ConsoleAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var path = name[Prefix.Length..];
            var type = Types.GetValueOrDefault(System.IO.Path.GetExtension(path), "application/octet-stream");
            var tag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 8))}\"").ToString();
            assets[path] = new ConsoleAsset(path, bytes, type, tag);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
