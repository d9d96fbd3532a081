using System.Threading.Channels;

namespace Autoscaler.Scaler;

/// <summary>
/// Evaluations asked for at any rate, started at most once per <paramref name="interval"/>: a request while one is
/// pending folds into it, and a request after an evaluation started waits out the rest of the interval. Shared by the
/// triggers that evaluate between ticks (alerts from the webhook, requests the gateway turned away), so that a flood
/// of either costs at most one evaluation per interval.
/// </summary>
internal sealed class SpacedEvaluations(TimeSpan interval, TimeProvider time)
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        // Full means an evaluation is already pending: the write fails and the request is folded into it.
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    private long _evaluations;

    /// <summary>Evaluations run so far.</summary>
    public long Evaluations => Interlocked.Read(ref _evaluations);

    /// <summary>Asks for an evaluation; true when this asked for a new one, false when it folds into one pending.</summary>
    public bool Request() => _wake.Writer.TryWrite(true);

    /// <summary>
    /// Runs the evaluations asked for until <paramref name="stop"/>; an evaluation that fails (other than by
    /// cancellation) is handed to <paramref name="failed"/> and the next one runs as usual.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> evaluate, Action<Exception> failed, CancellationToken stop)
    {
        long? lastStart = null;
        try
        {
            while (await _wake.Reader.WaitToReadAsync(stop))
            {
                if (lastStart is { } last && time.GetElapsedTime(last) is var since && since < interval)
                {
                    // The request stays in the channel while we wait, so requests that arrive meanwhile fold into it.
                    await Task.Delay(interval - since, time, stop);
                }

                // Taken off before the evaluation starts: a request during it may have seen something this one will not read.
                _wake.Reader.TryRead(out _);
                lastStart = time.GetTimestamp();
                try
                {
                    await evaluate(stop);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failed(e);
                }
                finally
                {
                    Interlocked.Increment(ref _evaluations);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
