using System.Diagnostics;

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
        var info = new ProcessStartInfo(command.Executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in command.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in command.Environment)
        {
            info.Environment[name] = value;
        }

        var output = new Queue<string>();
        var gate = new Lock();
        void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (gate)
            {
                output.Enqueue(line);
                if (output.Count > MaxLines)
                {
                    output.Dequeue();
                }
            }
        }

        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        var started = time.GetTimestamp();
        process.Start();
        // Nothing to answer: a prompt (vault password, become password) must fail, not hang until the timeout.
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(command.Timeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        int? exitCode;
        try
        {
            await process.WaitForExitAsync(either.Token);
            exitCode = process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            // ansible-playbook forks workers, and modules start their own processes: take down the whole tree.
            process.Kill(entireProcessTree: true);
            using var drained = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
            try
            {
                // Also waits for the output pipes to close; a process that escaped the tree may hold them open.
                await process.WaitForExitAsync(drained.Token);
            }
            catch (OperationCanceledException)
            {
            }

            cancellationToken.ThrowIfCancellationRequested();
            exitCode = null;
        }

        lock (gate)
        {
            return new PlaybookRun(exitCode, [.. output], time.GetElapsedTime(started));
        }
    }
}
