namespace Autoscaler.Core.Options;

/// <summary>
/// Secrets given as files (<c>--api-token-file</c>, <c>Prometheus__BearerTokenFile</c>): a Kubernetes Secret or a Docker
/// secret mounted as a file keeps the value off the command line and out of the environment.
/// </summary>
public static class SecretFile
{
    /// <summary>The file's content without its trailing line breaks (as <c>echo</c> and most editors leave one).</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static string Read(string path) => File.ReadAllText(path).TrimEnd('\r', '\n');

    /// <summary>
    /// Why <paramref name="path"/> cannot serve as the secret <paramref name="key"/> (missing, unreadable, empty), as
    /// <c>KEY = PATH: reason</c>; null when it can. The secret itself is never shown.
    /// </summary>
    public static string? Problem(string key, string path)
    {
        try
        {
            return Read(path).Length == 0 ? $"{key} = {path}: the file is empty" : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return $"{key} = {path}: file not found";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{key} = {path}: cannot be read ({e.Message})";
        }
    }

    /// <summary>
    /// The secret from <paramref name="inline"/> or from the file <paramref name="file"/>, whichever is set; a problem is
    /// added to <paramref name="problems"/> (and null returned) when both are set or the file cannot be used.
    /// </summary>
    public static string? Resolve(string key, string? inline, string? file, ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (string.IsNullOrEmpty(file))
        {
            return inline;
        }

        if (!string.IsNullOrEmpty(inline))
        {
            problems.Add($"{key}File = {file}: cannot be combined with {key} (set); give the secret one way only");
            return null;
        }

        if (Problem(key + "File", file) is { } problem)
        {
            problems.Add(problem);
            return null;
        }

        return Read(file);
    }
}
