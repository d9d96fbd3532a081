using System.Collections.Concurrent;
using Autoscaler.Cli.Composition;
using Autoscaler.Cli.Logging;
using Autoscaler.Gateway;
using Autoscaler.Gateway.Admission;
using Autoscaler.Gateway.Destinations;
using Autoscaler.Gateway.Health;
using Autoscaler.Prometheus.Discovery;
using Autoscaler.Scaler;
using Autoscaler.Scaler.Fleet;
using Autoscaler.Targets.Local;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Up;

/// <summary>
/// <c>up --services DIR</c>: one demo service per service file, each with its own gateway (the file's
/// <c>gateway.port</c>) and its own local replicas (the file's <c>target</c>: kind local with its own port range), listed
/// for Prometheus in <c>WORK_DIR/services/replicas/NAME.json</c> and <c>…/gateways/NAME.json</c> with
/// <c>service="NAME"</c>, so each service's policy selects its own series. A service's gateway turning requests away
/// makes that service's loop evaluate at once.
/// </summary>
internal sealed class UpServices(UpSettings settings, ILoggerFactory loggers, Action<WebApplicationBuilder> embed, Func<ScalerFleet> fleet)
{
    private readonly ConcurrentDictionary<string, Uri> _gateways = new(StringComparer.Ordinal);

    /// <summary>Where Prometheus finds the replicas of every service (a glob).</summary>
    public string ReplicaFiles => Path.Combine(Directory, "replicas", "*.json");

    /// <summary>Where Prometheus finds the gateway of every service (a glob).</summary>
    public string GatewayFiles => Path.Combine(Directory, "gateways", "*.json");

    /// <summary>Each running service's gateway, by service.</summary>
    public IReadOnlyDictionary<string, Uri> Gateways => _gateways;

    private string Directory => Path.Combine(settings.WorkDirectory, "services");

    /// <summary>Starts <paramref name="file"/>'s gateway and first replicas; the target the scaler scales it with.</summary>
    public async Task<ScalerTarget> StartAsync(ServiceFile file, CancellationToken cancellationToken)
    {
        if (file.TargetKind != TargetFlag.Local || file.TargetOptions is not LocalTargetOptions local)
        {
            throw new InvalidOperationException($"up runs every service on this machine, so its target must be kind: local, not {file.TargetKind} (`autoscaler scaler --services` scales the others)");
        }

        if (file.GatewayPort is not { } port)
        {
            throw new InvalidOperationException("up needs gateway: {port: N}, the port of the service's own gateway");
        }

        if (!LoopbackPorts.IsFree(port))
        {
            throw new InvalidOperationException($"gateway.port {port} is already in use; choose another");
        }

        // Compared with the file's when it changes: the settings as written, before up adds its own.
        var key = TargetKinds.KeyOf(TargetFlag.Local, local);
        var name = file.Name;
        LogFlags.Forward(settings.Logging, local.WebAppArguments);
        local.LogDirectory ??= Path.Combine(settings.WorkDirectory, "logs", name);
        System.IO.Directory.CreateDirectory(local.LogDirectory);
        var labels = new Dictionary<string, string> { ["service"] = name };
        var replicasFile = new FileSdWriter(Path.Combine(Directory, "replicas", name + ".json"));
        var gatewayFile = new FileSdWriter(Path.Combine(Directory, "gateways", name + ".json"));
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(replicasFile.Path)!);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(gatewayFile.Path)!);

        var url = new Uri($"http://127.0.0.1:{port}");
        var gateway = GatewayHost.Build(settings.Gateway, [url.ToString().TrimEnd('/')], embed);
        await gateway.StartAsync(cancellationToken);
        var replicas = new LocalProcessTarget(
            local,
            LocalProcessTarget.SelfCommand(),
            [new LabelledFileSd(replicasFile, labels), new UpStack.GatewayListener(gateway.Services.GetRequiredService<IGatewayDestinations>())],
            TimeProvider.System,
            loggers.CreateLogger<LocalProcessTarget>());
        gateway.Services.GetRequiredService<IGatewayHealth>().ProbeHealthChanged += (_, e) => replicas.ReadinessChanged(e.Destination, e.Ready, e.Reason);
        var overload = new OverloadTrigger(
            ct => fleet().Find(name) is { } service ? service.Loop.EvaluateAsync(EvaluationTriggers.Overload, ct) : Task.CompletedTask,
            settings.ScrapeInterval, TimeProvider.System, loggers.CreateLogger<OverloadTrigger>());
        gateway.Services.GetRequiredService<IGatewayOverload>().Rejected += (_, _) => overload.Request();

        async ValueTask StopAsync()
        {
            _gateways.TryRemove(name, out _);
            await overload.StopAsync(CancellationToken.None);
            overload.Dispose();
            await replicas.DisposeAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await gateway.StopAsync(timeout.Token);
            await gateway.DisposeAsync();
            File.Delete(replicasFile.Path);
            File.Delete(gatewayFile.Path);
        }

        try
        {
            await gatewayFile.WriteAsync([url.Authority], labels, cancellationToken);
            var first = await replicas.ScaleAsync(Math.Max(1, file.Policy.MinReplicas), cancellationToken);
            if (!first.Succeeded)
            {
                throw new InvalidOperationException($"its first replica did not start: {first.Message} (see {local.LogDirectory})");
            }

            await overload.StartAsync(cancellationToken);
        }
        catch
        {
            await StopAsync();
            throw;
        }

        _gateways[name] = url;
        return new ScalerTarget(replicas, replicas, key, StopAsync);
    }

    private sealed class LabelledFileSd(FileSdWriter writer, IReadOnlyDictionary<string, string> labels) : IReplicaSetListener
    {
        public Task ReplicasChangedAsync(IReadOnlyList<Uri> ready, CancellationToken cancellationToken) =>
            writer.WriteAsync(ready.Select(u => u.Authority), labels, cancellationToken);
    }
}
