using System.Reflection;

namespace Autoscaler.Core;

/// <summary>
/// Which build of the tool is running, as reports, <c>summary.json</c>, <c>--version</c> and the
/// <c>autoscaler_build_info</c> metric state it. The version is set once, in Directory.Build.props; the SDK's Source
/// Link appends the git commit to the informational version when the build runs in a git checkout.
/// </summary>
public static class BuildInfo
{
    private static readonly string s_informational =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The release version, e.g. <c>0.1.0</c>.</summary>
    public static string Version { get; } = s_informational.Split('+')[0];

    /// <summary>The git commit the build was made from (full hash), or empty when the build did not know it.</summary>
    public static string Commit { get; } = s_informational.Contains('+', StringComparison.Ordinal) ? s_informational.Split('+', 2)[1] : "";

    /// <summary>The version with the commit's first 12 characters when known, e.g. <c>0.1.0+46ec776e29e1</c>: what people are shown.</summary>
    public static string Description { get; } = Commit.Length > 0 ? $"{Version}+{Commit[..Math.Min(12, Commit.Length)]}" : Version;
}
