using Autoscaler.Core.Processes;
using Autoscaler.Core.Scaling;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Targets.Compose;

/// <summary>
/// Scales one service of a Docker Compose project by running the Compose command itself:
/// <c>up -d --no-recreate --scale SERVICE=N SERVICE</c> to scale, <c>ps</c> to read how many containers run.
/// The count is read from Compose every time, never remembered. Works with Compose v2 (<c>docker compose</c>)
/// and docker-compose 1.29; the gateway and Prometheus find the containers through Compose's DNS.
/// </summary>
public sealed partial class ComposeTarget(ComposeTargetOptions options, TimeProvider time, ILogger<ComposeTarget> logger) : IScaleTarget
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ComposePsFormat? _format = options.PsFormat == ComposePsFormat.Auto ? null : options.PsFormat;

    /// <inheritdoc />
    public string Name => "compose";

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">Compose could not be run, failed, or printed something unreadable; the message says which.</exception>
    public async Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken)
    {
        var format = await FormatAsync(cancellationToken);
        var args = ComposeCommandLine.Ps(options, format);
        var result = await RunAsync(args, options.QueryTimeout, cancellationToken);
        try
        {
            return format == ComposePsFormat.Ids
                ? ComposeCommandLine.CountIds(result.StandardOutput)
                : ComposeCommandLine.CountRunning(result.StandardOutput, options.Service);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"`{ExternalCommand.Describe(args)}`: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public async Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var args = ComposeCommandLine.Scale(options, replicas);
            LogRunning(logger, ExternalCommand.Describe(args));
            try
            {
                await RunAsync(args, options.ScaleTimeout, cancellationToken);
            }
            catch (InvalidOperationException e)
            {
                return new ScaleResult(false, await CountOrUnknownAsync(cancellationToken), e.Message);
            }

            var now = await CountOrUnknownAsync(cancellationToken);
            return now == replicas
                ? new ScaleResult(true, now, $"{now} containers of {options.Service} running")
                : new ScaleResult(false, now, $"{(now < 0 ? "an unknown number" : now)} of {replicas} containers of {options.Service} running after `up`");
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<int> CountOrUnknownAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await GetCurrentReplicasAsync(cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            LogCountFailed(logger, e.Message);
            return -1;
        }
    }

    private async Task<ComposePsFormat> FormatAsync(CancellationToken cancellationToken)
    {
        if (_format is { } known)
        {
            return known;
        }

        var result = await RunAsync(ComposeCommandLine.Version(options), options.QueryTimeout, cancellationToken);
        var format = ComposeCommandLine.FormatForVersion(result.StandardOutput);
        LogVersion(logger, options.Command, result.StandardOutput.Trim(), format == ComposePsFormat.Ids ? "ps -q" : "ps --format json");
        _format = format;
        return format;
    }

    /// <summary>Runs a Compose command; any way it fails becomes an <see cref="InvalidOperationException"/> with a message a user can act on.</summary>
    private async Task<CommandResult> RunAsync(IReadOnlyList<string> args, TimeSpan timeout, CancellationToken cancellationToken)
    {
        CommandResult result;
        try
        {
            result = await ExternalCommand.RunAsync(args, timeout, time, cancellationToken);
        }
        catch (ExternalCommandException e)
        {
            throw new InvalidOperationException(
                Executables.Find(args[0]) is null
                    ? $"'{args[0]}' is not installed (not found on PATH); install Docker with the Compose plugin, or set ComposeTarget:Command (--compose-command), e.g. docker-compose"
                    : e.Message,
                e);
        }

        if (result.ExitCode == 0)
        {
            return result;
        }

        var error = ComposeCommandLine.ErrorSummary(result.StandardError);
        var hint = args.Count > 1 && args[0].EndsWith("docker", StringComparison.Ordinal) && args[1] == "compose"
            && (error.Contains("not a docker command", StringComparison.OrdinalIgnoreCase) || error.Contains("unknown command", StringComparison.OrdinalIgnoreCase))
            ? " (the Compose plugin is missing: install it, or set --compose-command docker-compose)"
            : "";
        throw new InvalidOperationException($"`{ExternalCommand.Describe(args)}` exited with code {result.ExitCode}: {error}{hint}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Running: {CommandLine}")]
    private static partial void LogRunning(ILogger logger, string commandLine);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Command} is version {Version}; replicas are counted with {Ps}")]
    private static partial void LogVersion(ILogger logger, string command, string version, string ps);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not count the containers after scaling: {Message}")]
    private static partial void LogCountFailed(ILogger logger, string message);
}
