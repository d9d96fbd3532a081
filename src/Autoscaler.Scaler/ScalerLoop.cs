using System.Globalization;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Scaling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Scaler;

/// <summary>
/// The control loop: every check interval it reads the current count from the target, then takes the
/// <see cref="ScalingStep"/> the simulator takes too: reads the metrics, decides, asks the target to scale when the
/// count should change (unless in a dry run or on a standby), and tells the step what was applied.
/// </summary>
public sealed partial class ScalerLoop(
    IScaleTarget target,
    ScalingStep step,
    ScalerOptions options,
    ScalerState state,
    ScalerTelemetry telemetry,
    TimeProvider time,
    ILogger logger,
    Leadership.ILeadership? leadership = null) : BackgroundService
{
    private readonly Leadership.ILeadership _leadership = leadership ?? new Leadership.AlwaysLeader(Leadership.Leaders.DefaultIdentity());
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly Dictionary<string, string?> _lastFailure = [];
    private string? _lastTargetError;

    /// <summary>
    /// Decisions only logged and recorded, never applied. Kept in the loop's options (the service's own copy in a fleet),
    /// so the console's toggle and the configuration are one setting; each evaluation reads it afresh.
    /// </summary>
    public bool DryRun
    {
        get => options.DryRun;
        set => options.DryRun = value;
    }

    /// <summary>Completed evaluations since start, including those that could not decide.</summary>
    public long Evaluations { get; private set; }

    /// <summary>
    /// Why the last evaluation could not reach the metrics backend (a metric's name and the error), or null when it
    /// could: <c>/readyz</c> says not ready while it is set.
    /// </summary>
    public string? Unreachable => _unreachable;

    private volatile string? _unreachable;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // One timer for the whole run: ticks keep to a fixed schedule from the start, a slow evaluation
        // does not push later ones back, and ticks it overran coalesce into one.
        using var timer = new PeriodicTimer(options.CheckInterval, time);
        var first = time.GetTimestamp();
        var tick = 0L;
        try
        {
            do
            {
                // How long after its scheduled tick this evaluation starts: with many services on one scaler, the sign
                // that the process cannot keep up. Each wake is the next tick (a timer may fire a hair early: no lag),
                // unless ticks were missed and coalesced, and then it is the last of them.
                var elapsed = time.GetElapsedTime(first);
                var behind = elapsed - (options.CheckInterval * tick);
                if (behind >= options.CheckInterval)
                {
                    tick = (long)Math.Floor(elapsed / options.CheckInterval);
                    behind = elapsed - (options.CheckInterval * tick);
                }

                telemetry.RecordLag(behind);
                await EvaluateAsync(stoppingToken);
                tick++;
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Runs one evaluation now, recorded as a tick; returns its decision, or null when it could not decide.</summary>
    public Task<DecisionEntry?> EvaluateAsync(CancellationToken cancellationToken) => EvaluateAsync(EvaluationTriggers.Tick, cancellationToken);

    /// <summary>
    /// Runs one evaluation now (ticks, tests and alert triggers all come here; one at a time); returns its decision,
    /// or null when it could not decide. <paramref name="trigger"/> is recorded with the decision.
    /// </summary>
    public async Task<DecisionEntry?> EvaluateAsync(string trigger, CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            return await EvaluateHeldAsync(trigger, cancellationToken);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>The pause in force, or null.</summary>
    public ScalingPause? Paused => step.Pipeline.Paused;

    /// <summary>
    /// Pauses at <paramref name="replicas"/> (null: at whatever count the target has) and evaluates at once, so the
    /// target moves to the paused count now; later evaluations keep deciding but only ever hold it. When the target
    /// cannot be read or does not reach the count, the pause in force before (if any) is put back and the error given.
    /// </summary>
    public async Task<(DecisionEntry? Entry, string? Error)> PauseAsync(int? replicas, CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        var before = step.Pipeline.Paused;
        try
        {
            var pause = new ScalingPause(replicas, PauseSources.Api, time.GetUtcNow());
            step.Pipeline.Pause(pause);
            var entry = await EvaluateHeldAsync(EvaluationTriggers.Pause, cancellationToken);
            var error = entry is null ? state.Snapshot().LastError ?? "the target could not be read"
                : entry.Action is { Succeeded: false } failed ? failed.Message
                : null;
            if (error is not null)
            {
                RestorePause(before);
                return (entry, error);
            }

            LogPaused(logger, pause.ToString(), entry!.Decision.PolicyReplicas);
            return (entry, null);
        }
        catch
        {
            // Cancelled or failed half-way: nothing of the pause may stay behind.
            RestorePause(before);
            throw;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>
    /// Ends the pause and evaluates at once, so the policy decides again now. Returns the pause that was in force
    /// (null when there was none: nothing is done) and the evaluation's decision.
    /// </summary>
    public async Task<(ScalingPause? Resumed, DecisionEntry? Entry)> ResumeAsync(CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var was = step.Pipeline.Resume();
            if (was is null)
            {
                return (null, null);
            }

            state.RecordPause(null);
            telemetry.SetPaused(false);
            LogResumed(logger, was.ToString());
            return (was, await EvaluateHeldAsync(EvaluationTriggers.Resume, cancellationToken));
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private void RestorePause(ScalingPause? pause)
    {
        if (pause is null)
        {
            step.Pipeline.Resume();
        }
        else
        {
            step.Pipeline.Pause(pause);
        }

        state.RecordPause(pause);
        telemetry.SetPaused(pause is not null);
    }

    private async Task<DecisionEntry?> EvaluateHeldAsync(string trigger, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            int current;
            try
            {
                current = await target.GetCurrentReplicasAsync(cancellationToken);
                if (_lastTargetError is not null)
                {
                    LogTargetRecovered(logger, target.Name);
                    _lastTargetError = null;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (_lastTargetError != e.Message)
                {
                    LogTargetFailed(logger, target.Name, e.Message);
                    _lastTargetError = e.Message;
                }

                telemetry.RecordTargetError();
                state.RecordError(time.GetUtcNow(), $"cannot read the replica count from {target.Name}: {e.Message}");
                return null;
            }

            var readings = await step.ReadAsync(cancellationToken);
            string? unreachable = null;
            foreach (var reading in readings)
            {
                NoteFailureChange(reading);
                if (reading.IsOutage)
                {
                    unreachable ??= $"{reading.Metric}: {reading.Message}";
                }
            }

            _unreachable = unreachable;

            LogObservation(logger, Describe(readings), current);
            // Learning counts checks (smoothing weights, checks in a row): only the periodic ones, so a burst of
            // alert-triggered evaluations decides with what was learnt but does not speed the learning up.
            var decision = step.Decide(current, readings, learn: trigger == EvaluationTriggers.Tick);
            ScaleResult? action = null;
            string? standby = null;
            if (decision.DesiredReplicas != current && options.DryRun)
            {
                LogDryRun(logger, current, decision.DesiredReplicas, decision.Reason);
            }
            else if (decision.DesiredReplicas != current && !_leadership.CanAct(time.GetUtcNow()))
            {
                // The fencing check, right before the call: only the leader, with its claim still valid now, scales.
                standby = Leadership.Leaders.StandbyReason(_leadership, time.GetUtcNow());
                LogStandby(logger, current, decision.DesiredReplicas, decision.Reason, standby);
            }
            else if (decision.DesiredReplicas != current)
            {
                LogScaling(logger, current, decision.DesiredReplicas, decision.Reason);
                action = await ScaleAsync(decision.DesiredReplicas, cancellationToken);
                if (action.Succeeded)
                {
                    step.Applied(decision.CurrentReplicas, action.Replicas);
                }
            }

            LogDecision(logger, decision.CurrentReplicas, decision.DesiredReplicas, decision.Recommendation, decision.Direction, decision.Cause, decision.Reason);
            var entry = new DecisionEntry(decision, action, trigger, standby);
            state.Record(entry);
            telemetry.Record(decision, action, time.GetElapsedTime(started));
            return entry;
        }
        finally
        {
            Evaluations++;
        }
    }

    private async Task<ScaleResult> ScaleAsync(int desired, CancellationToken cancellationToken)
    {
        try
        {
            var result = await target.ScaleAsync(desired, cancellationToken);
            if (!result.Succeeded)
            {
                LogScaleFailed(logger, target.Name, desired, result.Message);
            }

            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogScaleFailed(logger, target.Name, desired, e.Message);
            return new ScaleResult(false, -1, e.Message);
        }
    }

    private void NoteFailureChange(MetricReading reading)
    {
        var now = reading.Succeeded ? null : $"{reading.Failure}: {reading.Message}";
        _lastFailure.TryGetValue(reading.Metric, out var before);
        if (now == before)
        {
            return;
        }

        _lastFailure[reading.Metric] = now;
        var input = IsInput(reading.Metric);
        if (now is null)
        {
            LogMetricRecovered(logger, reading.Metric);
        }
        else if (input)
        {
            LogInputFailed(logger, reading.Metric, now);
        }
        else
        {
            LogMetricFailed(logger, reading.Metric, now);
        }
    }

    private bool IsInput(string metric)
    {
        foreach (var (name, _) in step.Pipeline.Inputs)
        {
            if (name == metric)
            {
                return true;
            }
        }

        return false;
    }

    private static string Describe(IReadOnlyList<MetricReading> readings) =>
        string.Join(' ', readings.Select(r => r.Value is { } v
            ? $"{r.Metric}={v.ToString("0.###", CultureInfo.InvariantCulture)}"
            : $"{r.Metric}=none"));

    [LoggerMessage(Level = LogLevel.Information, Message = "{Readings} current_replicas={Current}")]
    private static partial void LogObservation(ILogger logger, string readings, int current);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scaling from {Current} -> {Desired} ({Reason})")]
    private static partial void LogScaling(ILogger logger, int current, int desired, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dry run: would scale from {Current} -> {Desired} ({Reason}); the target is not called")]
    private static partial void LogDryRun(ILogger logger, int current, int desired, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Standby: would scale from {Current} -> {Desired} ({Reason}); {Standby}, the target is not called")]
    private static partial void LogStandby(ILogger logger, int current, int desired, string reason, string standby);

    // One structured line per evaluation, after the original avg_rt line, so "why did it (not) scale?" has an answer in the log.
    [LoggerMessage(Level = LogLevel.Information, Message = "decision current={Current} desired={Desired} recommendation={Recommendation} direction={Direction} cause={Cause} reason={Reason}")]
    private static partial void LogDecision(ILogger logger, int current, int desired, int recommendation, Autoscaler.Core.Pipeline.ScalingDirection direction, string cause, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scaling {Target} to {Desired} failed: {Message}")]
    private static partial void LogScaleFailed(ILogger logger, string target, int desired, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metric {Metric} has no value ({Failure}); holding the replica count until it returns")]
    private static partial void LogMetricFailed(ILogger logger, string metric, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Learning input {Metric} has no value ({Failure}); the rule goes on deciding with what it has learnt, without learning from it until it returns")]
    private static partial void LogInputFailed(ILogger logger, string metric, string failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Metric {Metric} has a value again")]
    private static partial void LogMetricRecovered(ILogger logger, string metric);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot read the replica count from {Target}: {Message}; not scaling until it answers")]
    private static partial void LogTargetFailed(ILogger logger, string target, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Autoscaling {Pause} through the API; the policy would choose {PolicyReplicas}. DELETE /api/v1/pause resumes it")]
    private static partial void LogPaused(ILogger logger, string pause, int policyReplicas);

    [LoggerMessage(Level = LogLevel.Information, Message = "Autoscaling resumed through the API (it was {Pause})")]
    private static partial void LogResumed(ILogger logger, string pause);

    [LoggerMessage(Level = LogLevel.Information, Message = "Target {Target} answers again")]
    private static partial void LogTargetRecovered(ILogger logger, string target);

    /// <inheritdoc />
    public override void Dispose()
    {
        _oneAtATime.Dispose();
        base.Dispose();
    }
}
