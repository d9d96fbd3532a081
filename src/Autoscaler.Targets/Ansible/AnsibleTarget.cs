using System.Globalization;
using System.Text.Json;
using Autoscaler.Core.Processes;
using Autoscaler.Core.Scaling;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Targets.Ansible;

/// <summary>
/// Scales by running <c>ansible-playbook PLAYBOOK [-i INVENTORY] [-e NAME=VALUE]… -e target_replicas=N</c>, as the
/// original scripts did. A run that fails is reported with the failing task's message; a run that takes longer than
/// the timeout is killed with every process it started. Consecutive failures open a circuit (see
/// <see cref="AnsibleTargetOptions.CircuitFailureThreshold"/>). A playbook cannot report the count between runs, so
/// the current count comes from a reader the caller supplies (the local replica set, or a PromQL count).
/// </summary>
public sealed partial class AnsibleTarget : IScaleTarget, IDisposable
{
    /// <summary>What to do when <c>ansible-playbook</c> is missing.</summary>
    public const string InstallHint = "install Ansible with `apt-get install ansible-core` (macOS: `brew install ansible`)";

    // Plain, predictable output whatever the user's ansible.cfg says: no colour, the default callback, one-line JSON results.
    private static readonly Dictionary<string, string> PlainOutput = new(StringComparer.Ordinal)
    {
        ["ANSIBLE_NOCOLOR"] = "1",
        ["ANSIBLE_FORCE_COLOR"] = "0",
        ["ANSIBLE_STDOUT_CALLBACK"] = "default",
        ["ANSIBLE_CALLBACK_RESULT_FORMAT"] = "json",
        ["ANSIBLE_CALLBACK_FORMAT_PRETTY"] = "false",
        ["ANSIBLE_RETRY_FILES_ENABLED"] = "false",
        ["ANSIBLE_LOCALHOST_WARNING"] = "false",
        ["ANSIBLE_INVENTORY_UNPARSED_WARNING"] = "false",
        ["PYTHONUNBUFFERED"] = "1",
    };

    private readonly AnsibleTargetOptions _options;
    private readonly Func<CancellationToken, Task<int>> _currentReplicas;
    private readonly IPlaybookRunner _runner;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly ScaleCircuit _circuit;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _lastFailure;

    /// <summary>Creates the target; nothing runs until <see cref="ScaleAsync"/>.</summary>
    /// <param name="options">Validated options.</param>
    /// <param name="currentReplicas">Reads the live count (a playbook cannot report it).</param>
    /// <param name="time">Clock for the timeout and the circuit's back-off.</param>
    /// <param name="logger">Where each run (<c>Running: ansible-playbook …</c>), its output and the circuit's changes are logged.</param>
    /// <param name="environment">Extra environment variables for the playbook, e.g. a token that must not appear on the command line; never logged.</param>
    public AnsibleTarget(
        AnsibleTargetOptions options,
        Func<CancellationToken, Task<int>> currentReplicas,
        TimeProvider time,
        ILogger<AnsibleTarget> logger,
        IReadOnlyDictionary<string, string>? environment = null)
        : this(options, currentReplicas, new ProcessPlaybookRunner(time), time, logger, environment)
    {
    }

    internal AnsibleTarget(
        AnsibleTargetOptions options,
        Func<CancellationToken, Task<int>> currentReplicas,
        IPlaybookRunner runner,
        TimeProvider time,
        ILogger logger,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        _options = options;
        _currentReplicas = currentReplicas;
        _runner = runner;
        var merged = new Dictionary<string, string>(PlainOutput, StringComparer.Ordinal);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            merged[name] = value;
        }

        _environment = merged;
        _circuit = new ScaleCircuit(options.CircuitFailureThreshold, options.CircuitInitialBackoff, options.CircuitMaxBackoff, time);
        _logger = logger;
    }

    /// <inheritdoc />
    public string Name => "ansible";

    /// <summary>How many times <c>ansible-playbook</c> was started.</summary>
    public int Runs { get; private set; }

    /// <summary>True while the circuit is open: runs are refused until the back-off has passed.</summary>
    public bool CircuitOpen => _circuit.IsOpen;

    /// <summary>Why <c>ansible-playbook</c> cannot be started, or null when it can.</summary>
    public static string? BinaryProblem(AnsibleTargetOptions options) =>
        Executables.Find(options.BinaryPath) is null ? MissingBinary(options) : null;

    /// <summary>Why there is no playbook to run, or null when it exists.</summary>
    public static string? PlaybookProblem(AnsibleTargetOptions options) =>
        string.IsNullOrWhiteSpace(options.Playbook) ? "no playbook given; pass --playbook FILE"
        : !File.Exists(options.Playbook) ? $"the playbook {options.Playbook} does not exist; check --playbook (relative paths start at {Directory.GetCurrentDirectory()})"
        : null;

    private static string MissingBinary(AnsibleTargetOptions options) =>
        options.BinaryPath.Contains('/', StringComparison.Ordinal)
            ? $"{options.BinaryPath} is not an executable file; {InstallHint}, or point {AnsibleTargetOptions.Section}:BinaryPath at ansible-playbook"
            : $"cannot find {options.BinaryPath} on PATH; {InstallHint}";

    /// <inheritdoc />
    public Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken) => _currentReplicas(cancellationToken);

    /// <inheritdoc />
    public async Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_circuit.AllowsRun())
            {
                return new ScaleResult(false, await ReadOrUnknownAsync(cancellationToken), $"{CircuitState()} (last failure: {_lastFailure})");
            }

            // Checked on every run: ansible-playbook or the playbook may have been removed since the last one.
            var executable = Executables.Find(_options.BinaryPath);
            var problems = new[] { executable is null ? MissingBinary(_options) : null, PlaybookProblem(_options) }.OfType<string>().ToList();
            if (problems.Count > 0)
            {
                return await FailedAsync(string.Join("; ", problems), cancellationToken);
            }

            var arguments = Arguments(replicas);
            LogRunning(_logger, Display(arguments));
            Runs++;
            var run = await _runner.RunAsync(new PlaybookCommand(executable!, arguments, _environment, _options.Timeout), cancellationToken);
            foreach (var line in run.Output)
            {
                LogOutput(_logger, line);
            }

            if (run.ExitCode == 0)
            {
                if (_circuit.Succeeded())
                {
                    LogCircuitClosed(_logger);
                }

                var recap = PlaybookOutput.Recap(run.Output) is { } r ? $" (ok={r.Ok} changed={r.Changed})" : "";
                return new ScaleResult(true, replicas, string.Create(CultureInfo.InvariantCulture, $"ansible-playbook {Path.GetFileName(_options.Playbook)} set {replicas} replicas{recap} in {run.Elapsed.TotalSeconds:0.0} s"));
            }

            var why = run.TimedOut
                ? $"ansible-playbook did not finish within {Show(_options.Timeout)}, so it was killed with every process it started (it was at task \"{PlaybookOutput.LastTask(run.Output) ?? "?"}\")"
                : PlaybookOutput.Failure(run.Output) ?? $"ansible-playbook exited with code {run.ExitCode}: {run.Output.LastOrDefault(l => l.Trim().Length > 0) ?? "no output"}";
            LogFailedRun(_logger, run.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "killed", string.Join("\n", run.Output.TakeLast(20)));
            return await FailedAsync(why, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ScaleResult> FailedAsync(string why, CancellationToken cancellationToken)
    {
        _lastFailure = why;
        if (_circuit.Failed())
        {
            LogCircuitOpen(_logger, _circuit.ConsecutiveFailures, Show(_circuit.Backoff), _circuit.RetryAt!.Value);
            why = $"{why}; {CircuitState()}";
        }

        return new ScaleResult(false, await ReadOrUnknownAsync(cancellationToken), why);
    }

    private string CircuitState() => string.Create(
        CultureInfo.InvariantCulture,
        $"circuit open after {_circuit.ConsecutiveFailures} consecutive failed runs: no ansible-playbook run before {_circuit.RetryAt:HH:mm:ss}Z (back-off {Show(_circuit.Backoff)})");

    private async Task<int> ReadOrUnknownAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _currentReplicas(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return -1;
        }
    }

    /// <summary>The command line each run uses, with <c>N</c> for the count, e.g. for a start-up message.</summary>
    public string Describe() => Display(Arguments(0))[..^1] + "N";

    /// <summary><c>PLAYBOOK [-i INVENTORY] [-e NAME=VALUE]… -e target_replicas=N</c>; the count goes last so no other variable can override it.</summary>
    internal List<string> Arguments(int replicas)
    {
        var arguments = new List<string> { _options.Playbook! };
        if (!string.IsNullOrWhiteSpace(_options.Inventory))
        {
            arguments.AddRange(["-i", _options.Inventory]);
        }

        foreach (var (name, value) in _options.ExtraVars)
        {
            arguments.AddRange(["-e", ExtraVar(name, value)]);
        }

        arguments.AddRange(["-e", string.Create(CultureInfo.InvariantCulture, $"{AnsibleTargetOptions.ReplicasVariable}={replicas}")]);
        return arguments;
    }

    /// <summary>
    /// <c>NAME=VALUE</c> when Ansible would read it back unchanged; JSON otherwise, because <c>-e</c> splits
    /// <c>NAME=VALUE</c> at spaces and strips quotes (<c>compose_cmd=docker compose</c> would lose <c>compose</c>).
    /// </summary>
    private static string ExtraVar(string name, string value) =>
        value.Length > 0 && value.All(c => !char.IsWhiteSpace(c) && c is not ('"' or '\'' or '\\' or '{' or '}'))
            ? $"{name}={value}"
            : JsonSerializer.Serialize(new Dictionary<string, string> { [name] = value });

    /// <summary>The command line as a shell would take it, with values of secret-looking variables masked.</summary>
    internal string Display(IReadOnlyList<string> arguments) =>
        string.Join(' ', new[] { _options.BinaryPath }.Concat(arguments.Select(a => Masked(a) ?? Quote(a))));

    /// <summary><c>NAME=***</c> for a variable whose name says it is a secret; null for anything else.</summary>
    private static string? Masked(string argument)
    {
        if (argument.StartsWith('{'))
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(argument) is { Count: 1 } json && SecretName(json.Keys.First())
                ? $"{json.Keys.First()}=***"
                : null;
        }

        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 && SecretName(argument[..equals]) ? argument[..equals] + "=***" : null;
    }

    private static bool SecretName(string name) =>
        new[] { "token", "password", "passwd", "secret" }.Any(s => name.Contains(s, StringComparison.OrdinalIgnoreCase));

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@%+".Contains(c, StringComparison.Ordinal))
            ? argument
            : $"'{argument.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    private static string Show(TimeSpan span) => span switch
    {
        { TotalHours: >= 1 } when span.TotalHours == Math.Floor(span.TotalHours) => $"{span.TotalHours:0}h",
        { TotalMinutes: >= 1 } when span.TotalMinutes == Math.Floor(span.TotalMinutes) => $"{span.TotalMinutes:0}m",
        { TotalSeconds: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###}s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{span.TotalMilliseconds:0}ms"),
    };

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    // The original scripts' line, kept word for word: `Running: ansible-playbook … -e target_replicas=N`.
    [LoggerMessage(Level = LogLevel.Information, Message = "Running: {CommandLine}")]
    private static partial void LogRunning(ILogger logger, string commandLine);

    [LoggerMessage(Level = LogLevel.Debug, Message = "ansible-playbook: {Line}")]
    private static partial void LogOutput(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ansible-playbook failed (exit {Exit}); its last output:\n{Output}")]
    private static partial void LogFailedRun(ILogger logger, string exit, string output);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ansible circuit open after {Failures} consecutive failed runs: no run for {Backoff} (until {RetryAt:HH:mm:ss}Z)")]
    private static partial void LogCircuitOpen(ILogger logger, int failures, string backoff, DateTimeOffset retryAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ansible circuit closed: the playbook succeeded again")]
    private static partial void LogCircuitClosed(ILogger logger);
}
