using System.Reflection;

namespace Autoscaler.Core;

/// <summary>The tool's version, as the build stamped it.</summary>
public static class BuildInfo
{
    /// <summary>The informational version of the build (e.g. <c>1.0.0</c>, or <c>1.0.0+COMMIT</c> when built from git).</summary>
    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(BuildInfo).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
