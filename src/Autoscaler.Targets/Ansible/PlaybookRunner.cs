using Autoscaler.Core.Processes;

namespace Autoscaler.Targets.Ansible;

/// <summary>One <c>ansible-playbook</c> invocation: the executable, its arguments, and variables for its environment.</summary>
internal sealed record PlaybookCommand(string Executable, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment, TimeSpan Timeout);

/// <summary>How a run ended: its exit code (null when it was killed for taking too long), and everything it printed.</summary>
internal sealed record PlaybookRun(int? ExitCode, IReadOnlyList<string> Output, TimeSpan Elapsed)
{
    public bool TimedOut => ExitCode is null;
}

/// <summary>Runs a playbook to completion; the seam through which the target's tests avoid real processes.</summary>
internal interface IPlaybookRunner
{
    Task<PlaybookRun> RunAsync(PlaybookCommand command, CancellationToken cancellationToken);
}

/// <summary>Runs the real <c>ansible-playbook</c> as a child process; kills it and all it started on timeout or cancellation.</summary>
internal sealed class ProcessPlaybookRunner(TimeProvider time) : IPlaybookRunner
{
    // Enough for any sane playbook's output; a runaway one keeps its last lines, which hold the failure and the recap.
    private const int MaxLines = 5000;

    public async Task<PlaybookRun> RunAsync(PlaybookCommand command, CancellationToken cancellationToken)
    {
        // ansible-playbook forks workers, and modules start their own processes: a timeout takes down the whole tree.
        // Its standard input is closed: a prompt (vault password, become password) must fail, not hang until the timeout.
        var result = await ChildProcess.RunAsync(
            new ChildProcessOptions
            {
                Executable = command.Executable,
                Arguments = command.Arguments,
                Environment = command.Environment.ToDictionary(v => v.Key, string? (v) => v.Value, StringComparer.Ordinal),
                OutputLines = MaxLines,

                // A scale action under way finishes when the scaler is killed, rather than being cut off half-way.
                DieWithParent = false,
                Time = time,
            },
            command.Timeout,
            cancellationToken);
        return new PlaybookRun(result.ExitCode, result.Output, result.Elapsed);
    }
}
