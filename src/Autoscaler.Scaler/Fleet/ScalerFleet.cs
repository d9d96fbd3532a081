using System.Collections.Concurrent;
using Autoscaler.Scaler.Leadership;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Autoscaler.Scaler.Fleet;

/// <summary>A service file that could not be applied: which, why, since when. The service keeps its last good version.</summary>
public sealed record ServiceProblem(string Service, string File, string Message, DateTimeOffset Since);

/// <summary>
/// The services one scaler scales, each on its own loop. Services are added, replaced (a new policy or target; the
/// decisions so far and the replica count are kept, since the count is read from the target) and removed while the
/// scaler runs, one change at a time; a service's problem (an invalid file) is kept beside it without touching it.
/// A scaler started from flags is a fleet of one.
/// </summary>
public sealed partial class ScalerFleet : IHostedService, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ScalerService> _services = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ServiceProblem> _problems = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _changes = new(1, 1);
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly bool _namedLogs;
    private readonly Gauge _invalid;
    private readonly Counter _reloads;
    private readonly Gauge _count;
    private readonly Counter _webhookCalls;
    private readonly Gauge _leader;
    private CancellationTokenSource? _running;

    /// <summary>
    /// A fleet whose metrics go into <paramref name="registry"/>; with <paramref name="namedLogs"/> each service's
    /// loop logs under <c>Autoscaler.Scaler.ScalerLoop.NAME</c>, so a line says which service it is about.
    /// </summary>
    public ScalerFleet(CollectorRegistry registry, TimeProvider time, ILoggerFactory loggers, bool namedLogs = false, ILeadership? leadership = null)
    {
        Registry = registry;
        Leadership = leadership ?? new AlwaysLeader(Leaders.DefaultIdentity());
        _time = time;
        _loggers = loggers;
        _namedLogs = namedLogs;
        _logger = loggers.CreateLogger("Autoscaler.Scaler.Fleet");
        var f = Metrics.WithCustomRegistry(registry);
        _count = f.CreateGauge("autoscaler_services", "Services the scaler scales now.");
        _leader = f.CreateGauge("autoscaler_leader", "1 while this scaler leads (only the leader scales; one election for all its services), 0 while it stands by.");
        _leader.Set(1);
        _invalid = f.CreateGauge("autoscaler_service_file_invalid",
            "1 while a service's file cannot be applied (the service keeps its last good version, or does not run if it never had one), else 0.", "service");
        _webhookCalls = f.CreateCounter("autoscaler_alert_webhook_calls_total",
            "Calls of the alert webhook by result: evaluation (asked for one), coalesced (folded into one already pending), no_alerts, "
            + "or refused: unauthorized, unsupported_media_type, too_large, invalid. One webhook for every service: no service label.", "result");
        foreach (var result in Alerts.WebhookResults.All)
        {
            _webhookCalls.WithLabels(result);
        }

        _reloads = f.CreateCounter("autoscaler_service_reloads_total",
            "Service files read after a change, by result: applied, invalid, removed.", "service", "result");
    }

    /// <summary>Whether this scaler leads: one election for every service (a standby only decides).</summary>
    public ILeadership Leadership { get; }

    /// <summary>Sets <c>autoscaler_leader</c>.</summary>
    public void SetLeader(bool leader) => _leader.Set(leader ? 1 : 0);

    /// <summary>The registry every service's metrics go into, served at <c>/metrics</c>.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>The services, by name.</summary>
    public IReadOnlyList<ScalerService> Services => [.. _services.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];

    /// <summary>Service files that could not be applied, by service.</summary>
    public IReadOnlyList<ServiceProblem> Problems => [.. _problems.Values.OrderBy(p => p.Service, StringComparer.Ordinal)];

    /// <summary>The service called <paramref name="name"/>, or null.</summary>
    public ScalerService? Find(string name) => _services.GetValueOrDefault(name);

    /// <summary>The one service of a fleet of one; null when there are none or several.</summary>
    public ScalerService? Single => _services.Count == 1 ? _services.Values.FirstOrDefault() : null;

    /// <summary>Counts one call of the alert webhook by what became of it (<c>Alerts.WebhookResults</c>).</summary>
    public void RecordWebhookCall(string result) => _webhookCalls.WithLabels(result).Inc();

    /// <summary>The problem with <paramref name="name"/>'s file, or null.</summary>
    public ServiceProblem? ProblemOf(string name) => _problems.GetValueOrDefault(name);

    /// <summary>
    /// Adds <paramref name="setup"/>'s service, or replaces the one of that name (its loop stops, the new one starts
    /// with the decisions so far; the replica count is the target's, so it is not reset). Started at once when the
    /// fleet runs. Clears a problem recorded for the service.
    /// </summary>
    public async Task ApplyAsync(ServiceSetup setup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(setup);
        await _changes.WaitAsync(cancellationToken);
        try
        {
            ScalerState state;
            ScalerTelemetry telemetry;
            var replaced = _services.TryRemove(setup.Name, out var old);
            if (old is not null)
            {
                await old.DisposeAsync();
                state = old.State;
                telemetry = old.Telemetry;
                telemetry.Remove(); // thresholds of metrics the new policy no longer has must go
                state.Reconfigure(setup.Target.Name, setup.Policy.Metrics[0].Name, setup.Policy.Metrics[0].Query);
            }
            else
            {
                state = new ScalerState(setup.Target.Name, setup.Policy.Metrics[0].Name, setup.Policy.Metrics[0].Query);
                telemetry = new ScalerTelemetry(Registry, _time, setup.Name);
            }

            var category = _namedLogs ? $"{typeof(ScalerLoop).FullName}.{setup.Name}" : typeof(ScalerLoop).FullName!;
            var service = new ScalerService(setup, state, telemetry, _time, _loggers, category, Leadership);
            _services[setup.Name] = service;
            _count.Set(_services.Count);
            ClearProblem(setup.Name);
            if (setup.Source is not null)
            {
                _reloads.WithLabels(setup.Name, "applied").Inc();
                LogApplied(_logger, setup.Name, replaced ? "changed" : "added", setup.Source, setup.Target.Name);
            }

            if (_running is { } running)
            {
                await service.StartAsync(running.Token);
            }
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Stops and forgets <paramref name="name"/>'s loop; its replicas are left as they are. False when there is no such service.</summary>
    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken);
        try
        {
            _problems.TryRemove(name, out _);
            _invalid.RemoveLabelled(name);
            if (!_services.TryRemove(name, out var service))
            {
                return false;
            }

            await service.DisposeAsync();
            service.Telemetry.Remove();
            _count.Set(_services.Count);
            _reloads.WithLabels(name, "removed").Inc();
            LogRemoved(_logger, name);
            return true;
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Records that <paramref name="name"/>'s file cannot be applied; the service, if it runs, keeps running as it was.</summary>
    public void RecordProblem(string name, string file, string message)
    {
        var before = _problems.GetValueOrDefault(name);
        if (before?.Message == message)
        {
            return;
        }

        _problems[name] = new ServiceProblem(name, file, message, before?.Since ?? _time.GetUtcNow());
        _invalid.WithLabels(name).Set(1);
        _reloads.WithLabels(name, "invalid").Inc();
        if (_services.ContainsKey(name))
        {
            LogInvalidKept(_logger, file, message, name);
        }
        else
        {
            LogInvalidNew(_logger, file, message, name);
        }
    }

    private void ClearProblem(string name)
    {
        if (_problems.TryRemove(name, out _))
        {
            _invalid.WithLabels(name).Set(0);
        }
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken);
        try
        {
            _running = new CancellationTokenSource();
            foreach (var service in Services)
            {
                await service.StartAsync(cancellationToken);
            }
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken);
        try
        {
            if (_running is { } running)
            {
                await running.CancelAsync();
                running.Dispose();
                _running = null;
            }

            await Task.WhenAll(Services.Select(s => s.StopAsync(cancellationToken)));
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // The host stops it, then the container disposes it: both may come, in either order, and more than once.
        await StopAsync(CancellationToken.None);
        foreach (var service in Services)
        {
            await service.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service} {Change} from {File}: scaling {Target}")]
    private static partial void LogApplied(ILogger logger, string service, string change, string file, string target);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {Service} removed: its loop stopped, its replicas are left as they are")]
    private static partial void LogRemoved(ILogger logger, string service);

    [LoggerMessage(Level = LogLevel.Error, Message = "{File}: {Problem}; service {Service} keeps running with its last good version")]
    private static partial void LogInvalidKept(ILogger logger, string file, string problem, string service);

    [LoggerMessage(Level = LogLevel.Error, Message = "{File}: {Problem}; service {Service} is not started until the file is fixed")]
    private static partial void LogInvalidNew(ILogger logger, string file, string problem, string service);
}
