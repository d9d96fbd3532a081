namespace Autoscaler.Simulation.Runner;

/// <summary>A clock that only moves when told: the simulator's time for the decision pipeline's behavior stage.</summary>
public sealed class VirtualClock : TimeProvider
{
    /// <summary>Where simulated runs start: a fixed instant, so results never depend on when they ran.</summary>
    public static DateTimeOffset Epoch { get; } = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Creates a clock at <paramref name="start"/> (default <see cref="Epoch"/>).</summary>
    public VirtualClock(DateTimeOffset? start = null) => Now = start ?? Epoch;

    /// <summary>The current virtual time; set it to move the clock (backwards too, for replays).</summary>
    public DateTimeOffset Now { get; set; }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => Now;

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <inheritdoc />
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc />
    public override long GetTimestamp() => Now.UtcTicks;

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        throw new NotSupportedException("the simulator drives time step by step; nothing in the decision pipeline waits on a timer");
}
