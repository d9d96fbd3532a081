namespace Autoscaler.Scaler.Console;

/// <summary>One labelled series of a range query, as [unix seconds, value] pairs (NaN and infinities left out).</summary>
public sealed record ViewSeries(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<double[]> Points);

/// <summary>One labelled sample of an instant query.</summary>
public sealed record ViewSample(IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>One scrape target as Prometheus sees it.</summary>
public sealed record ScrapeTarget(string Job, string Instance, string Url, string Health, DateTimeOffset? LastScrape, string LastError);

/// <summary>A query's answer, or why there is none (what Prometheus or the connection said).</summary>
public sealed record ViewAnswer<T>(T? Value, string? Error) where T : class;

/// <summary>
/// What the console reads from Prometheus beyond the loop's own queries: ranges for the charts, instant vectors, the
/// scrape targets. The composition (the CLI) backs it with the scaler's Prometheus client; without one, the console
/// says that Prometheus is not there and charts the scaler's own history.
/// </summary>
public interface IPrometheusView
{
    /// <summary><c>/api/v1/query_range</c>.</summary>
    Task<ViewAnswer<IReadOnlyList<ViewSeries>>> QueryRangeAsync(string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken);

    /// <summary><c>/api/v1/query</c>, now.</summary>
    Task<ViewAnswer<IReadOnlyList<ViewSample>>> QueryAsync(string query, CancellationToken cancellationToken);

    /// <summary><c>/api/v1/targets</c>, the active ones.</summary>
    Task<ViewAnswer<IReadOnlyList<ScrapeTarget>>> TargetsAsync(CancellationToken cancellationToken);
}

/// <summary>A replica as its target knows it: its address and whether it is ready (serving).</summary>
public sealed record ReplicaView(string Id, string Address, bool Ready, string State);

/// <summary>Lists a service's replicas where its target can (local processes); null where it cannot (it runs elsewhere).</summary>
public interface IReplicaLister
{
    /// <summary>The replicas of <paramref name="target"/>, or null when it does not list them.</summary>
    IReadOnlyList<ReplicaView>? List(Autoscaler.Core.Scaling.IScaleTarget target);
}
