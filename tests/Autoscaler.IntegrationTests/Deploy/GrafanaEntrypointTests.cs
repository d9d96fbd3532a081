using System.Text.RegularExpressions;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Deploy;

/// <summary>
/// deploy/grafana/entrypoint.sh, run by the real sh with Grafana's data directory and start script replaced by
/// temporary ones: the admin password is never admin/admin, a generated one is printed once and kept.
/// </summary>
public sealed partial class GrafanaEntrypointTests : IDisposable
{
    private readonly TempDirectory _dir = new("grafana-entry");

    public GrafanaEntrypointTests()
    {
        Directory.CreateDirectory(_dir.File("data"));
        // Stands in for Grafana's /run.sh: shows the password Grafana would start with.
        _dir.Executable("run.sh", "#!/bin/sh\necho \"grafana starts with password=$GF_SECURITY_ADMIN_PASSWORD args=$*\"\n");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Without_a_password_one_is_generated_printed_once_and_kept_for_later_starts()
    {
        var (exit, output) = await StartAsync(null);

        Assert.Equal(0, exit);
        var generated = Generated().Match(output);
        Assert.True(generated.Success, output);
        var password = generated.Groups[1].Value;
        Assert.True(password.Length >= 16 && password != "admin", password);
        Assert.Contains($"grafana starts with password={password} args=", output, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_dir.File("data/.autoscaler-admin-password")));
        }

        var (_, again) = await StartAsync(null);

        Assert.DoesNotMatch(Generated(), again);
        Assert.Contains($"grafana starts with password={password} args=", again, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_password_from_the_environment_is_used_and_a_later_different_one_is_reported_as_ignored()
    {
        var (exit, output) = await StartAsync("s3cret-from-env");

        Assert.Equal(0, exit);
        Assert.DoesNotMatch(Generated(), output);
        Assert.Contains("grafana starts with password=s3cret-from-env", output, StringComparison.Ordinal);

        var (_, later) = await StartAsync("another-one-later");

        Assert.Contains("GRAFANA_ADMIN_PASSWORD is ignored: Grafana keeps the admin password of its first start", later, StringComparison.Ordinal);
        Assert.Contains("grafana starts with password=s3cret-from-env", later, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("short")]
    public async Task Admin_or_a_short_password_is_refused_and_Grafana_is_not_started(string password)
    {
        var (exit, output) = await StartAsync(password);

        Assert.Equal(2, exit);
        Assert.Contains("refusing a Grafana admin password that is 'admin' or shorter than 8 characters", output, StringComparison.Ordinal);
        Assert.DoesNotContain("grafana starts", output, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string Output)> StartAsync(string? password) =>
        Tool.RunAsync(
            RequiredBinary.Find("sh", "apt-get install dash"),
            [RepositoryRoot.File("deploy/grafana/entrypoint.sh")],
            new Dictionary<string, string?>
            {
                ["GF_PATHS_DATA"] = _dir.File("data"),
                ["GRAFANA_RUN"] = _dir.File("run.sh"),
                ["GRAFANA_ADMIN_PASSWORD"] = password,
            });

    [GeneratedRegex("Grafana admin password \\(generated; [^)]*\\): (\\S+)")]
    private static partial Regex Generated();
}
