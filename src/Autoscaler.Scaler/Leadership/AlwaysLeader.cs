namespace Autoscaler.Scaler.Leadership;

/// <summary>No election (<c>--leader-election none</c>, the default): the only scaler always leads.</summary>
public sealed class AlwaysLeader(string identity) : ILeadership
{
    /// <inheritdoc />
    public string Identity => identity;

    /// <inheritdoc />
    public string Description => "none";

    /// <inheritdoc />
    public bool IsLeader => true;

    /// <inheritdoc />
    public string? Holder => identity;

    /// <inheritdoc />
    public bool CanAct(DateTimeOffset now) => true;

    /// <inheritdoc />
    public event Action<bool>? Changed
    {
        add { }
        remove { }
    }

    /// <inheritdoc />
    public Task RunAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
