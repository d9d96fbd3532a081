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

    [Fact]
    public async Task A_password_file_is_used_and_kept_out_of_the_output_and_an_empty_one_counts_as_none()
    {
        await File.WriteAllTextAsync(_dir.File("password"), "from-a-file-99\r\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(_dir.File("empty"), "", TestContext.Current.CancellationToken);

        // As the Compose file mounts it when GRAFANA_ADMIN_PASSWORD_FILE is not set: empty, so a password is generated.
        var (emptyExit, empty) = await StartAsync(null, _dir.File("empty"));
        Assert.Equal(0, emptyExit);
        Assert.Matches(Generated(), empty);

        Directory.Delete(_dir.File("data"), recursive: true);
        Directory.CreateDirectory(_dir.File("data"));
        var (exit, output) = await StartAsync(null, _dir.File("password"));

        Assert.Equal(0, exit);
        Assert.DoesNotMatch(Generated(), output);
        Assert.Equal("grafana starts with password=from-a-file-99 args=", output.Trim());
        var (_, later) = await StartAsync(null, _dir.File("empty"));
        Assert.Contains("grafana starts with password=from-a-file-99", later, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_password_given_both_ways_or_an_unreadable_file_is_refused()
    {
        await File.WriteAllTextAsync(_dir.File("password"), "from-a-file-99\n", TestContext.Current.CancellationToken);

        var (bothExit, both) = await StartAsync("from-the-env-1", _dir.File("password"));
        var (missingExit, missing) = await StartAsync(null, _dir.File("no-such-file"));

        Assert.Equal(2, bothExit);
        Assert.Contains("GRAFANA_ADMIN_PASSWORD and GRAFANA_ADMIN_PASSWORD_FILE are both set; give the password one way only", both, StringComparison.Ordinal);
        Assert.Equal(2, missingExit);
        Assert.Contains($"cannot read GRAFANA_ADMIN_PASSWORD_FILE={_dir.File("no-such-file")}", missing, StringComparison.Ordinal);
        Assert.DoesNotContain("grafana starts", both + missing, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string Output)> StartAsync(string? password, string? passwordFile = null) =>
        Tool.RunAsync(
            RequiredBinary.Find("sh", "apt-get install dash"),
            [RepositoryRoot.File("deploy/grafana/entrypoint.sh")],
            new Dictionary<string, string?>
            {
                ["GF_PATHS_DATA"] = _dir.File("data"),
                ["GRAFANA_RUN"] = _dir.File("run.sh"),
                ["GRAFANA_ADMIN_PASSWORD"] = password,
                ["GRAFANA_ADMIN_PASSWORD_FILE"] = passwordFile,
            });

    [GeneratedRegex("Grafana admin password \\(generated; [^)]*\\): (\\S+)")]
    private static partial Regex Generated();
}
