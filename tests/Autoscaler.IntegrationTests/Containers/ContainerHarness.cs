using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Containers;

/// <summary>
/// tests/containers/run.sh, which prepares podman, the images and the Compose stack (see the script's header), and
/// the podman command line for what the test checks on its own.
/// </summary>
internal static class ContainerHarness
{
    /// <summary>The Compose project the harness starts; not the shipped name, so a user's own stack is never touched.</summary>
    public const string Project = "autoscaler-ci";

    /// <summary>run.sh's exit code when the engine cannot be prepared on this machine; it prints why.</summary>
    public const int Unavailable = 3;

    public static string Script => RepositoryRoot.File("tests/containers/run.sh");

    /// <summary>
    /// Runs <c>run.sh ARGS</c> to completion (killing it and its children after <paramref name="timeout"/>); the output
    /// is its standard output followed by its standard error.
    /// </summary>
    public static Task<(int ExitCode, string Output)> RunShAsync(TimeSpan timeout, params string[] args) =>
        Tool.RunAsync("bash", [Script, .. args], ProjectEnvironment, timeout: timeout);

    public static Task<(int ExitCode, string Output)> PodmanAsync(params string[] args) =>
        Tool.RunAsync("podman", args, ProjectEnvironment, timeout: TimeSpan.FromMinutes(1));

    private static Dictionary<string, string?> ProjectEnvironment => new() { ["AUTOSCALER_CONTAINERS_PROJECT"] = Project };
}
