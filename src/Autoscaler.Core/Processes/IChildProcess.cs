namespace Autoscaler.Core.Processes;

/// <summary>A program run as a child process, as a supervisor sees it: alive until <see cref="Exited"/>, stopped on dispose.</summary>
public interface IChildProcess : IAsyncDisposable
{
    /// <summary>What it is called in messages.</summary>
    string Name { get; }

    /// <summary>Its process id.</summary>
    int ProcessId { get; }

    /// <summary>Completes when it exits, however it ends.</summary>
    Task Exited { get; }

    /// <summary>Its exit code once it has exited (128 + N when signal N ended it); null before.</summary>
    int? ExitCode { get; }

    /// <summary>The last lines it printed.</summary>
    string Output { get; }
}
