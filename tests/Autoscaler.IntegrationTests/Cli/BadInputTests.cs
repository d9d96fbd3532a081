using System.Net;
using System.Net.Sockets;

namespace Autoscaler.IntegrationTests.Cli;

/// <summary>Bad input gets one line naming the problem and exit code 2, before anything starts.</summary>
public sealed class BadInputTests
{
    [Theory]
    [InlineData("Unrecognized command or argument 'frobnicate'", "frobnicate")]
    [InlineData("--distribution", "webapp", "--distribution", "pareto")]
    [InlineData("--service-time", "webapp", "--service-time", "fast")]
    [InlineData("WebApp:Workers = -3", "webapp", "--workers", "-3")]
    [InlineData("WebApp:ErrorRate = 2", "webapp", "--error-rate", "2")]
    [InlineData("--port 70000", "webapp", "--port", "70000")]
    public async Task Each_problem_is_one_line_naming_it_with_exit_code_2(string expected, params string[] args)
    {
        await using var process = AutoscalerProcess.Start(args);
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_configuration_problem_is_named_at_once()
    {
        await using var process = AutoscalerProcess.Start(["webapp", "--workers", "0"], new Dictionary<string, string> { ["WebApp__QueueLimit"] = "-1" });
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("WebApp:Workers = 0", process.Output, StringComparison.Ordinal);
        Assert.Contains("WebApp:QueueLimit = -1", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Environment_variables_configure_the_replica_and_flags_win_over_them()
    {
        var (replica, url) = await AutoscalerProcess.StartWebAppAsync("--instance-id", "from-flag");
        await using var _ = replica;
        using var client = new HttpClient { BaseAddress = url };
        var metrics = await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Contains("webapp_workers 4", metrics, StringComparison.Ordinal);

        await using var configured = AutoscalerProcess.Start(
            ["webapp", "--port", "0", "--workers", "6"],
            new Dictionary<string, string> { ["WebApp__Workers"] = "9", ["WebApp__InstanceId"] = "from-env" });
        var line = await configured.WaitForLineAsync(AutoscalerProcess.ListeningPattern(), TimeSpan.FromSeconds(30));
        using var second = new HttpClient { BaseAddress = new Uri(AutoscalerProcess.ListeningPattern().Match(line).Groups[1].Value) };
        Assert.Contains("webapp_workers 6", await second.GetStringAsync("/metrics", TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var response = await second.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal("from-env", response.Headers.GetValues("X-Instance-Id").Single());
    }

    [Fact]
    public async Task A_port_in_use_is_reported_with_exit_code_2()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;

        await using var process = AutoscalerProcess.Start("webapp", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.Contains("address already in use", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_describes_each_verb()
    {
        foreach (var verb in new[] { "webapp", "gateway", "load" })
        {
            await using var process = AutoscalerProcess.Start(verb, "--help");
            Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains($"autoscaler {verb} [options]", process.Output, StringComparison.Ordinal);
        }
    }
}
