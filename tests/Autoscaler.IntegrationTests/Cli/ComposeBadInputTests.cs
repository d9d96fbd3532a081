namespace Autoscaler.IntegrationTests.Cli;

/// <summary>The Compose target's and the gateway's DNS flags: bad input is one line and exit code 2, before anything starts.</summary>
public sealed class ComposeBadInputTests
{
    [Theory]
    [InlineData("ComposeTarget:Command = docker-not-installed-here compose: 'docker-not-installed-here' is not installed (not found on PATH)",
        "scaler", "--target", "compose", "--compose-command", "docker-not-installed-here compose")]
    [InlineData("ComposeTarget:Files = /nonexistent/docker-compose.yml: file not found",
        "scaler", "--target", "compose", "--compose-command", "sh", "--compose-file", "/nonexistent/docker-compose.yml")]
    [InlineData("ComposeTarget:Service = web app: must be a Compose service name",
        "scaler", "--target", "compose", "--compose-command", "sh", "--compose-service", "web app")]
    [InlineData("--compose-project needs --target compose (the target is local)", "scaler", "--compose-project", "demo")]
    [InlineData("Argument 'swarm' not recognized. Must be one of:", "scaler", "--target", "swarm")]
    [InlineData("Gateway:DestinationsDns = webapp: 'webapp' is not NAME:PORT", "gateway", "--destinations-dns", "webapp")]
    public async Task Each_problem_is_one_line_naming_it_with_exit_code_2(string expected, params string[] args)
    {
        await using var process = AutoscalerProcess.Start(args);
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }
}
