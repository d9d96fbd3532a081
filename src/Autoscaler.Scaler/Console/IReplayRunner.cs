using Autoscaler.Core.PolicyFiles;

namespace Autoscaler.Scaler.Console;

/// <summary>
/// Runs what <c>autoscaler replay</c> does for the console: reads a service's recent demand from Prometheus, simulates
/// its policy on it and writes the report. The scaler does not know the simulator; the command line supplies this.
/// </summary>
public interface IReplayRunner
{
    /// <summary>
    /// Replays <paramref name="request"/> and writes the report's files into <see cref="ReplayRequest.OutputDirectory"/>
    /// (created if missing), reporting how far it is. Stops soon after <paramref name="cancellationToken"/> fires with an
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <exception cref="ReplayException">The replay cannot run; the message says why and what to do.</exception>
    Task RunAsync(ReplayRequest request, IProgress<ReplayProgress> progress, CancellationToken cancellationToken);
}

/// <summary>A replay the console asked for.</summary>
/// <param name="Service">The service whose policy is replayed (the policy's name in the report).</param>
/// <param name="Policy">The service's policy, as it runs now.</param>
/// <param name="Window">How far back the demand is read, up to now.</param>
/// <param name="Query">PromQL of the demand (one series, a request rate).</param>
/// <param name="OutputDirectory">Where the report's files go.</param>
public sealed record ReplayRequest(string Service, PolicySpec Policy, TimeSpan Window, string Query, string OutputDirectory);

/// <summary>How far a replay is: a share from 0 to 1 and what it does now.</summary>
/// <param name="Fraction">Share done, 0 to 1.</param>
/// <param name="Message">What it does now, for the page (e.g. "simulating").</param>
public readonly record struct ReplayProgress(double Fraction, string Message);

/// <summary>A replay could not run (no data, Prometheus out of reach, a policy the simulator cannot model).</summary>
/// <param name="message">What went wrong and what to do.</param>
/// <param name="inner">The cause, if any.</param>
public sealed class ReplayException(string message, Exception? inner = null) : Exception(message, inner);
