using Autoscaler.Core.Scaling;
using Autoscaler.Prometheus.Api;
using Autoscaler.Scaler.Console;
using Autoscaler.Targets.Local;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Autoscaler.Cli.Composition;

/// <summary>What the web console reads besides the scaler's own state: the scaler's Prometheus, and the local replicas.</summary>
internal static class ConsoleSources
{
    /// <summary>Registers both for the console (<see cref="ConsoleRoutes.MapConsole"/>).</summary>
    public static void Register(WebApplicationBuilder builder, PrometheusClient? client)
    {
        if (client is not null)
        {
            builder.Services.AddSingleton<IPrometheusView>(new PrometheusView(client));
        }

        builder.Services.AddSingleton<IReplicaLister>(new LocalReplicas());
    }

    private sealed class PrometheusView(PrometheusClient client) : IPrometheusView
    {
        public async Task<ViewAnswer<IReadOnlyList<ViewSeries>>> QueryRangeAsync(string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken)
        {
            var result = await client.QueryRangeAsync(query, start, end, step, cancellationToken);
            return result.Error is { } error
                ? new(null, error.Message)
                : new([.. result.Value!.Select(s => new ViewSeries(s.Labels, [.. s.Points.Where(p => double.IsFinite(p.Value)).Select(p => new[] { p.Timestamp.ToUnixTimeMilliseconds() / 1000.0, p.Value })]))], null);
        }

        public async Task<ViewAnswer<IReadOnlyList<ViewSample>>> QueryAsync(string query, CancellationToken cancellationToken)
        {
            var result = await client.QueryAsync(query, null, cancellationToken);
            return result.Error is { } error
                ? new(null, error.Message)
                : new([.. result.Value!.Samples.Select(s => new ViewSample(s.Labels, s.Value))], null);
        }

        public async Task<ViewAnswer<IReadOnlyList<ScrapeTarget>>> TargetsAsync(CancellationToken cancellationToken)
        {
            var result = await client.GetTargetsAsync(cancellationToken);
            return result.Error is { } error
                ? new(null, error.Message)
                : new([.. result.Value!.Select(t => new ScrapeTarget(
                    t.ScrapePool, t.Labels.GetValueOrDefault("instance", ""), t.ScrapeUrl, t.Health, t.LastScrape, t.LastError))], null);
        }
    }

    private sealed class LocalReplicas : IReplicaLister
    {
        public IReadOnlyList<ReplicaView>? List(IScaleTarget target) => target is LocalProcessTarget local
            ? [.. local.Replicas.Select(r => new ReplicaView(r.Id, r.Url.ToString(), r.State == "Ready", r.State.ToLowerInvariant()))]
            : null;
    }
}
