using Autoscaler.Core.Processes;

namespace Autoscaler.Prometheus.Server;

/// <summary>
/// What <see cref="PrometheusServer"/> and <see cref="AlertmanagerServer"/> share: a server binary run as a child
/// process from a configuration file it was given, reachable at a URL, stopped on dispose (SIGTERM, then a kill
/// after the stop timeout).
/// </summary>
public abstract class ChildServer : IChildProcess
{
    private readonly ChildProcess _server;
    private readonly TimeSpan _stopTimeout;

    private protected ChildServer(ChildProcess server, TimeSpan stopTimeout, string configPath, Uri url)
    {
        _server = server;
        _stopTimeout = stopTimeout;
        ConfigPath = configPath;
        Url = url;
    }

    /// <summary>Base URL of its HTTP API, e.g. <c>http://127.0.0.1:9090/</c>.</summary>
    public Uri Url { get; }

    /// <summary>The port it listens on (the one chosen when 0 was asked for).</summary>
    public int Port => Url.Port;

    /// <summary>The configuration file it runs with, written at start.</summary>
    public string ConfigPath { get; }

    /// <summary>Process id of the server process.</summary>
    public int ProcessId => _server.ProcessId;

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _server.HasExited;

    /// <summary>Completes when the process exits, however it ends.</summary>
    public Task Exited => _server.Exited;

    /// <summary>Its exit code once it has exited (128 + N when signal N ended it); null before.</summary>
    public int? ExitCode => _server.ExitCode;

    /// <summary>What the program is called in messages: <c>prometheus</c>, <c>alertmanager</c>.</summary>
    public string Name => _server.Name;

    /// <summary>The last lines it logged, for diagnostics.</summary>
    public string Output => _server.Output;

    /// <summary>Stops the server: SIGTERM, then a kill when it has not exited after the stop timeout.</summary>
    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await _server.StopAsync(_stopTimeout).ConfigureAwait(false);
    }
}
