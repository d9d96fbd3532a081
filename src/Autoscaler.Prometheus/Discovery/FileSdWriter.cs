using System.Text.Json;
using System.Text.Json.Serialization;
using Autoscaler.Prometheus.Api;

namespace Autoscaler.Prometheus.Discovery;

/// <summary>One entry of a Prometheus <c>file_sd</c> file: targets (<c>host:port</c>) that share labels.</summary>
public sealed record FileSdTargetGroup(
    [property: JsonPropertyName("targets")] IReadOnlyList<string> Targets,
    [property: JsonPropertyName("labels")] IReadOnlyDictionary<string, string>? Labels = null);

/// <summary>
/// Writes a Prometheus <c>file_sd</c> JSON file atomically: the content goes to a temporary file in the same
/// directory, which then replaces the target by a rename. Prometheus and the gateway, which both watch the
/// file, therefore see the old list or the new one, never half of one.
/// </summary>
public sealed class FileSdWriter(string path)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The file written.</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>Replaces the file with one group of <paramref name="targets"/> sharing <paramref name="labels"/>.</summary>
    public Task WriteAsync(IEnumerable<string> targets, IReadOnlyDictionary<string, string>? labels = null, CancellationToken cancellationToken = default) =>
        WriteAsync([new FileSdTargetGroup([.. targets], labels)], cancellationToken);

    /// <summary>Replaces the file with <paramref name="groups"/>.</summary>
    public async Task WriteAsync(IEnumerable<FileSdTargetGroup> groups, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var content = JsonSerializer.SerializeToUtf8Bytes(
            groups.Select(g => g with { Labels = g.Labels ?? new Dictionary<string, string>() }).ToList(),
            PrometheusJsonContext.Default.ListFileSdTargetGroup);

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        // Hidden and not ending in .json/.yml, so a file_sd glob such as *.json never matches it.
        var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, Path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
            _gate.Release();
        }
    }

    /// <summary>Reads a <c>file_sd</c> JSON file; an absent file is an empty list.</summary>
    /// <exception cref="JsonException">The file is not file_sd JSON.</exception>
    public static async Task<IReadOnlyList<FileSdTargetGroup>> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync(stream, PrometheusJsonContext.Default.ListFileSdTargetGroup, cancellationToken).ConfigureAwait(false)
            ?? [];
    }
}
