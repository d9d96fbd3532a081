using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Scaler.Alerts;
using Autoscaler.Scaler.Leadership;
using Autoscaler.Scaler.Replicas;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Scaler.Fleet;

/// <summary>
/// One service the scaler scales: its own loop on its own timer (so a slow query or target of one service never delays
/// another), its decisions, its <c>service</c>-labelled metrics, its replica API and its alert trigger.
/// </summary>
public sealed partial class ScalerService : IAsyncDisposable
{
    private CancellationTokenSource? _stop;
    private Task? _run;
    private bool _disposed;
    private readonly ILogger _logger;

    internal ScalerService(ServiceSetup setup, ScalerState state, ScalerTelemetry telemetry, TimeProvider time, ILoggerFactory loggers, string loggerCategory, ILeadership leadership)
    {
        Leadership = leadership;
        Time = time;
        Setup = setup;
        State = state;
        Telemetry = telemetry;
        telemetry.SetDryRun(setup.Options.DryRun);
        telemetry.SetConfiguration(setup.Policy, setup.Options.CheckInterval);
        Pipeline = setup.Policy.CreatePipeline(time);
        var sources = setup.Sources.Select(s => (IMetricSource)new TimedMetricSource(s, telemetry, time)).ToList();
        Loop = new ScalerLoop(setup.Target, sources, Pipeline, setup.Options, state, telemetry, time, loggers.CreateLogger(loggerCategory), leadership);
        Api = new ReplicaApi(setup.ReplicaSet, setup.Policy.MinReplicas, setup.Policy.MaxReplicas);
        _logger = loggers.CreateLogger(loggerCategory);
        Alerts = new AlertTrigger(Loop, setup.Options, time, loggers.CreateLogger<AlertTrigger>());
    }

    /// <summary>The service's name (its file's, or <c>--service-name</c>).</summary>
    public string Name => Setup.Name;

    /// <summary>What it runs with.</summary>
    public ServiceSetup Setup { get; }

    /// <summary>Its loop.</summary>
    public ScalerLoop Loop { get; }

    /// <summary>Its decision pipeline.</summary>
    public DecisionPipeline Pipeline { get; }

    /// <summary>Its recent decisions, kept across a change of its file.</summary>
    public ScalerState State { get; }

    /// <summary>Its metrics.</summary>
    public ScalerTelemetry Telemetry { get; }

    internal ReplicaApi Api { get; }

    /// <summary>Turns dry run on or off from now on (until the service's file changes or the scaler restarts).</summary>
    public void SetDryRun(bool dryRun)
    {
        Loop.DryRun = dryRun;
        Telemetry.SetDryRun(dryRun);
    }

    /// <summary>The scaler's election: a standby's API is read-only.</summary>
    internal ILeadership Leadership { get; }

    internal TimeProvider Time { get; }

    internal AlertTrigger Alerts { get; }

    /// <summary>
    /// Starts the service in the background: the pipeline's warm-up (queries of Prometheus' history, which may be slow),
    /// then the loop and the alert trigger; returns at once, so no service waits for another's warm-up.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_run is not null)
        {
            return Task.CompletedTask;
        }

        _stop = new CancellationTokenSource();
        var stop = _stop.Token;
        _run = Task.Run(async () =>
        {
            if (Setup.WarmUp is { } warmUp)
            {
                try
                {
                    await warmUp(Pipeline, stop);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogWarmUpFailed(_logger, Name, e.Message);
                }
            }

            await Loop.StartAsync(stop);
            await Alerts.StartAsync(stop);
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops the loop (an evaluation under way is cancelled) and the alert trigger; the target is left as it is.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_run is not { } run)
        {
            return;
        }

        _run = null;
        await _stop!.CancelAsync();
        try
        {
            await run;
        }
        catch (OperationCanceledException)
        {
            // Stopped during the warm-up.
        }

        await Alerts.StopAsync(cancellationToken);
        await Loop.StopAsync(cancellationToken);
        _stop.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await StopAsync(CancellationToken.None);
        Alerts.Dispose();
        Loop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service}: warming the policy up failed ({Message}); it starts cold")]
    private static partial void LogWarmUpFailed(ILogger logger, string service, string message);
}
