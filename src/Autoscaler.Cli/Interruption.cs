using System.Runtime.InteropServices;

namespace Autoscaler.Cli;

/// <summary>
/// Ctrl+C and SIGTERM as a cancellation for a verb that stops by itself: the first signal cancels <see cref="Token"/>
/// (the verb says it was interrupted and exits 130 within 2 s); a second one ends the process at once, as with no
/// handler at all, in case the verb is stuck.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ManualResetEventSlim _finished = new();
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;

    public Interruption()
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _stop.Token;

    public bool Requested => _stop.IsCancellationRequested;

    /// <summary>
    /// Once interrupted, gives the verb <paramref name="grace"/> to end by itself; past it, on a thread of its own (the
    /// thread pool may be flooded, which is why the verb is late), calls <paramref name="last"/> and exits with 130.
    /// The verb calls <see cref="Finished"/> when it is done, which cancels the deadline.
    /// </summary>
    public void ExitAfter(TimeSpan grace, Action last)
    {
        var thread = new Thread(() =>
        {
            if (WaitHandle.WaitAny([_stop.Token.WaitHandle, _finished.WaitHandle]) == 0 && !_finished.Wait(grace))
            {
                last();
                Environment.Exit(ExitCodes.Interrupted);
            }
        })
        {
            IsBackground = true,
            Name = "interruption deadline",
        };
        thread.Start();
    }

    /// <summary>The verb has ended by itself: no deadline applies any more.</summary>
    public void Finished() => _finished.Set();

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();

        // The token source stays undisposed: a deadline thread may still be looking at its wait handle.
        _finished.Set();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (!_stop.IsCancellationRequested)
        {
            context.Cancel = true;
            _stop.Cancel();
        }
    }
}
