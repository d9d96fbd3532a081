using System.Net;
using System.Net.Sockets;

namespace Autoscaler.IntegrationTests.Gateway;

/// <summary>Bad input for <c>autoscaler gateway</c>: one line that says what is wrong, exit code 2, nothing started.</summary>
public sealed class GatewayCommandTests
{
    [Theory]
    [InlineData("--destination", "not-a-url", "Gateway:Destinations = not-a-url: 'not-a-url' is not an absolute http:// or https:// URL")]
    [InlineData("--destination", "ftp://127.0.0.1:21", "is not an absolute http:// or https:// URL")]
    [InlineData("--destinations-file", "/nonexistent/targets.json", "Gateway:DestinationsFile = /nonexistent/targets.json: the file does not exist")]
    [InlineData("--load-balancing", "Random", "Random")]
    [InlineData("--reactivation-period", "soon", "'soon' is not a duration")]
    [InlineData("--reactivation-period", "0s", "Gateway:ReactivationPeriod = 0s")]
    public async Task Bad_flags_give_one_line_and_exit_code_2(string flag, string value, string expected)
    {
        await AssertUsageErrorAsync(["gateway", flag, value], expected);
    }

    [Fact]
    public async Task An_invalid_destinations_file_gives_one_line_and_exit_code_2()
    {
        var file = Path.Combine(Path.GetTempPath(), $"gateway-bad-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """[{"targets": ["127.0.0.1:8001"]}, 42]""", TestContext.Current.CancellationToken);
        try
        {
            await AssertUsageErrorAsync(["gateway", "--destinations-file", file], "element 1 is a number");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_port_in_use_gives_one_line_and_exit_code_2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await AssertUsageErrorAsync(["gateway", "--port", port, "--destination", "http://127.0.0.1:1"], "address already in use");
    }

    [Fact]
    public async Task Help_describes_every_flag()
    {
        await using var process = AutoscalerProcess.Start("gateway", "--help");

        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        foreach (var flag in new[] { "--port", "--urls", "--destinations-file", "--destination", "--load-balancing", "--reactivation-period", "file_sd", "LeastRequests" })
        {
            Assert.Contains(flag, process.Output, StringComparison.Ordinal);
        }
    }

    private static async Task AssertUsageErrorAsync(string[] args, string expected)
    {
        await using var process = AutoscalerProcess.Start(args);

        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await Task.Delay(100, TestContext.Current.CancellationToken); // let the last output arrive
        var line = Assert.Single(process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("autoscaler gateway: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }
}
