namespace Autoscaler.IntegrationTests.Live;

/// <summary>Invalid configuration names the key and exits 2 before any process is started.</summary>
public sealed class InvalidConfigurationTests
{
    [Theory]
    [InlineData("Scaler:MinReplicas = 5", new[] { "--min-replicas", "5", "--max-replicas", "2" }, null)]
    [InlineData("Scaler:ScaleDownThreshold = 0.7", new[] { "--scale-down-threshold", "0.7" }, null)]
    [InlineData("Scaler:CheckInterval = 0s", new[] { "--check-interval", "0s" }, null)]
    [InlineData("Prometheus:Url = not a url", new string[0], "PROMETHEUS_URL=not a url")]
    [InlineData("Scaler:MaxReplicas = 0", new string[0], "MAX_REPLICAS=0")]
    [InlineData("Scaler:MinReplicas = abc", new string[0], "MIN_REPLICAS=abc")]
    [InlineData("--replica-ports = 9-", new[] { "--replica-ports", "9-" }, null)]
    public async Task Each_case_names_the_key_and_exits_2_before_starting_anything(string expected, string[] args, string? env)
    {
        foreach (var verb in new[] { "scaler", "up" })
        {
            var environment = new Dictionary<string, string>();
            if (env is not null)
            {
                var (k, v) = (env[..env.IndexOf('=', StringComparison.Ordinal)], env[(env.IndexOf('=', StringComparison.Ordinal) + 1)..]);
                environment[k] = v;
            }

            var workDir = Path.Combine(Path.GetTempPath(), $"autoscaler-invalid-{Guid.NewGuid():N}");
            string[] all = verb == "up" ? [verb, "--work-dir", workDir, "--no-status", .. args] : [verb, .. args];
            await using var process = AutoscalerProcess.Start(all, environment);
            Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(expected, process.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("listening", process.Output, StringComparison.Ordinal);
            Assert.False(Directory.Exists(workDir), "up created its working directory before failing");
        }
    }

    [Fact]
    public async Task Up_without_prometheus_says_how_to_install_it_and_exits_2()
    {
        var workDir = Path.Combine(Path.GetTempPath(), $"autoscaler-noprom-{Guid.NewGuid():N}");
        await using var process = AutoscalerProcess.Start(["up", "--work-dir", workDir, "--prometheus-bin", "/nonexistent/prometheus"], null);
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("apt-get install prometheus", process.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(workDir));
    }
}

public sealed class ExistingPrometheusTests
{
    [Fact]
    public async Task With_an_existing_prometheus_up_starts_no_alertmanager_and_says_why()
    {
        using var dir = new Autoscaler.Testing.TempDirectory();
        var basePort = 24000 + (Environment.ProcessId % 100 * 20);
        await using var up = AutoscalerProcess.Start(
        [
            "up", "--no-status", "--work-dir", dir.Path, "--prometheus-url", "http://127.0.0.1:1",
            "--gateway-port", Autoscaler.Testing.FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--port", Autoscaler.Testing.FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--replica-ports", $"{basePort}-{basePort + 10}", "--check-interval", "1s",
        ], null);
        await up.WaitForLineAsync(new System.Text.RegularExpressions.Regex("^ready:"), TimeSpan.FromSeconds(60));
        Assert.Contains("alertmanager: not started, since --prometheus-url", up.Output, StringComparison.Ordinal);
        up.Signal(15);
        Assert.Equal(0, await up.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }
}
