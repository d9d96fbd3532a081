namespace Autoscaler.Targets.Ansible;

/// <summary>
/// Stops a failing playbook from being run on every evaluation. After <c>threshold</c> consecutive failures the
/// circuit opens: no run until the back-off has passed. Then one trial run is let through; if it fails the circuit
/// opens again with twice the back-off (up to the cap), and the first success closes it and resets everything.
/// Not thread-safe: the target runs one playbook at a time.
/// </summary>
internal sealed class ScaleCircuit(int threshold, TimeSpan initialBackoff, TimeSpan maxBackoff, TimeProvider time)
{
    /// <summary>Failed runs since the last success.</summary>
    public int ConsecutiveFailures { get; private set; }

    /// <summary>When the next run may start; null while the circuit is closed.</summary>
    public DateTimeOffset? RetryAt { get; private set; }

    /// <summary>The back-off now in force; zero while closed.</summary>
    public TimeSpan Backoff { get; private set; }

    public bool IsOpen => RetryAt is not null;

    /// <summary>True when a run may start now: the circuit is closed, or open and its back-off has passed (a trial run).</summary>
    public bool AllowsRun() => RetryAt is not { } at || time.GetUtcNow() >= at;

    /// <summary>Records a failed run; returns true when this failure opened the circuit or lengthened its back-off.</summary>
    public bool Failed()
    {
        ConsecutiveFailures++;
        if (RetryAt is not null)
        {
            // A trial run after the back-off failed: wait longer this time.
            Backoff = TimeSpan.FromTicks(Math.Min(Backoff.Ticks * 2, maxBackoff.Ticks));
        }
        else if (ConsecutiveFailures >= threshold)
        {
            // AnsibleTargetOptionsValidator keeps it within maxBackoff.
            Backoff = initialBackoff;
        }
        else
        {
            return false;
        }

        RetryAt = time.GetUtcNow() + Backoff;
        return true;
    }

    /// <summary>Records a successful run; returns true when it closed an open circuit.</summary>
    public bool Succeeded()
    {
        var wasOpen = IsOpen;
        ConsecutiveFailures = 0;
        RetryAt = null;
        Backoff = TimeSpan.Zero;
        return wasOpen;
    }
}
