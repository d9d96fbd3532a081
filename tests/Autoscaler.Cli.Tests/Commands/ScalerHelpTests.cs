using System.Globalization;
using Autoscaler.Cli.Commands;
using Autoscaler.Cli.Composition;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Scaling;
using Autoscaler.Scaler;
using Microsoft.AspNetCore.Routing;

namespace Autoscaler.Cli.Tests.Commands;

/// <summary><c>autoscaler scaler --help</c> says what the verb really does: its endpoints, targets, defaults and outputs.</summary>
public sealed class ScalerHelpTests
{
    private static readonly string Help = ScalerCommand.Create().Description!;

    [Fact]
    public async Task Every_endpoint_the_scaler_serves_is_named()
    {
        await using var app = ScalerHost.Build(new ScalerOptions(), ["http://127.0.0.1:0"], new NoTarget(), read => new NothingToRead(read.Name));
        var routes = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText!).Distinct().ToList();

        Assert.NotEmpty(routes);
        Assert.All(routes, route => Assert.Contains(route, Help, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_target_and_the_defaults_it_runs_with_are_named()
    {
        var defaults = new ScalerOptions();

        foreach (var kind in new[] { TargetFlag.Local, TargetFlag.Ansible, TargetFlag.Compose, TargetFlag.Kubernetes })
        {
            Assert.Contains($"  {kind} ", Help, StringComparison.Ordinal);
        }

        Assert.Contains(defaults.Query, Help, StringComparison.Ordinal);
        Assert.Contains($"above {defaults.ScaleUpThreshold.ToString(CultureInfo.InvariantCulture)}", Help, StringComparison.Ordinal);
        Assert.Contains($"below {defaults.ScaleDownThreshold.ToString(CultureInfo.InvariantCulture)}", Help, StringComparison.Ordinal);
        Assert.Contains($"min..max ({defaults.MinReplicas}..{defaults.MaxReplicas})", Help, StringComparison.Ordinal);
        Assert.Contains($"Every check interval ({Core.Time.Durations.Format(defaults.CheckInterval)})", Help, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:8080", Help, StringComparison.Ordinal);
        foreach (var variable in ScalerOptions.LegacyEnvironment.Keys)
        {
            Assert.Contains(variable, Help, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_flags_it_mentions_exist()
    {
        var command = ScalerCommand.Create();
        // Flags of the commands it runs (`docker compose up -d --no-recreate …`) are quoted; its own are not.
        var unquoted = System.Text.RegularExpressions.Regex.Replace(Help, "`[^`]*`", "");
        var flags = System.Text.RegularExpressions.Regex.Matches(unquoted, @"--[a-z][a-z-]+").Select(m => m.Value).Distinct().ToList();

        Assert.Contains("--policy", flags);
        Assert.Contains("--dry-run", flags);
        Assert.All(flags, flag => Assert.Contains(command.Options, o => o.Name == flag));
    }

    private sealed class NoTarget : IScaleTarget
    {
        public string Name => "none";

        public Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken) => Task.FromResult(1);

        public Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken) => Task.FromResult(new ScaleResult(true, replicas, "ok"));
    }
}
