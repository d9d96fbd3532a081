using System.Net;
using System.Text.RegularExpressions;

namespace Autoscaler.Scaler.Console;

/// <summary>A simulation report in the reports folder, as <c>GET /api/v1/reports</c> lists it.</summary>
/// <param name="Name">The report's folder name.</param>
/// <param name="Title">The report page's title.</param>
/// <param name="Created">When its report.html was written.</param>
/// <param name="Url">Where the scaler serves its page.</param>
internal sealed record ReportEntry(string Name, string Title, DateTimeOffset Created, string Url);

/// <summary>
/// The folder of simulation reports (<c>--reports DIR</c>): a report is a folder right under it holding a
/// <c>report.html</c>, as <c>simulate</c>, <c>replay</c> and <c>tune</c> write with <c>--output DIR/NAME</c>. Folders whose
/// name starts with a dot are not reports (a replay still being written is one). Files are served only from inside a
/// report's folder, never through a symbolic link. The list is read at most once per <see cref="ListFor"/>, however many
/// consoles poll it (<see cref="Changed"/> drops it at once).
/// </summary>
internal sealed partial class ReportsFolder(string? directory, TimeProvider time)
{
    /// <summary>How long a read of the list serves every console.</summary>
    public static readonly TimeSpan ListFor = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private (IReadOnlyList<ReportEntry> Reports, DateTimeOffset Read)? _list;

    /// <summary>The page every report has.</summary>
    public const string ReportFile = "report.html";

    /// <summary>Where reports are served, <c>/reports/NAME/FILE</c>.</summary>
    public const string UrlPrefix = "/reports";

    /// <summary>The folder, as a full path; null when the scaler keeps none.</summary>
    public string? Directory { get; } = directory is null ? null : Path.GetFullPath(directory);

    /// <summary>The reports, newest first; none when the folder does not exist (yet).</summary>
    public IReadOnlyList<ReportEntry> List()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_list is not { } list || now - list.Read >= ListFor || now < list.Read)
            {
                _list = list = (Read(), now);
            }

            return list.Reports;
        }
    }

    /// <summary>A report was added or removed here: the next <see cref="List"/> reads the folder again.</summary>
    public void Changed()
    {
        lock (_lock)
        {
            _list = null;
        }
    }

    private IReadOnlyList<ReportEntry> Read()
    {
        if (Directory is null || !System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var reports = new List<ReportEntry>();
        foreach (var folder in new DirectoryInfo(Directory).EnumerateDirectories())
        {
            var page = new FileInfo(Path.Combine(folder.FullName, ReportFile));
            if (!IsName(folder.Name) || folder.LinkTarget is not null || !page.Exists || page.LinkTarget is not null)
            {
                continue;
            }

            reports.Add(new ReportEntry(folder.Name, TitleOf(page) ?? folder.Name, page.LastWriteTimeUtc, UrlOf(folder.Name)));
        }

        return [.. reports.OrderByDescending(r => r.Created).ThenBy(r => r.Name, StringComparer.Ordinal)];
    }

    /// <summary>The URL of report <paramref name="name"/>'s page.</summary>
    public static string UrlOf(string name) => $"{UrlPrefix}/{Uri.EscapeDataString(name)}/{ReportFile}";

    /// <summary>Whether <paramref name="name"/> can name a report: one path segment, not hidden, no separator.</summary>
    public static bool IsName(string name) =>
        name.Length > 0 && name[0] != '.' && name.IndexOfAny(['/', '\\', '\0']) < 0 && !Path.IsPathRooted(name);

    /// <summary>
    /// The full path of <paramref name="file"/> (a path with '/' inside report <paramref name="name"/>) when it is a file
    /// of that report; otherwise why not: <see cref="Lookup.BadPath"/> for a name or path that tries to leave the
    /// report (<c>..</c>, an absolute path, a hidden segment), <see cref="Lookup.NotFound"/> for one that does not exist
    /// or goes through a symbolic link.
    /// </summary>
    public (Lookup Result, string? Path) Resolve(string name, string file)
    {
        if (Directory is null)
        {
            return (Lookup.NotFound, null);
        }

        var segments = file.Split('/', '\\');
        if (!IsName(name) || file.Length == 0 || segments.Any(s => !IsName(s)) || Path.IsPathRooted(file))
        {
            return (Lookup.BadPath, null);
        }

        // Every step from the folder down is checked: a link anywhere could lead out of it.
        var path = Path.Combine(Directory, name);
        if (new DirectoryInfo(path) is not { Exists: true, LinkTarget: null })
        {
            return (Lookup.NotFound, null);
        }

        for (var i = 0; i < segments.Length; i++)
        {
            path = Path.Combine(path, segments[i]);
            FileSystemInfo step = i < segments.Length - 1 ? new DirectoryInfo(path) : new FileInfo(path);
            if (!step.Exists || step.LinkTarget is not null)
            {
                return (Lookup.NotFound, null);
            }
        }

        var full = Path.GetFullPath(path);
        return full.StartsWith(Directory + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? (Lookup.Found, full) : (Lookup.BadPath, null);
    }

    // The <title> of a report page: it comes first, so the page's head is enough.
    private static string? TitleOf(FileInfo page)
    {
        try
        {
            using var reader = new StreamReader(page.FullName);
            var head = new char[8192];
            var read = reader.ReadBlock(head);
            var match = TitlePattern().Match(new string(head, 0, read));
            return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    [GeneratedRegex("<title>([^<]*)</title>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TitlePattern();

    /// <summary>What <see cref="Resolve"/> found.</summary>
    public enum Lookup
    {
        /// <summary>A file of the report.</summary>
        Found,

        /// <summary>Nothing there (or a link).</summary>
        NotFound,

        /// <summary>A path that tries to leave the report.</summary>
        BadPath,
    }
}
