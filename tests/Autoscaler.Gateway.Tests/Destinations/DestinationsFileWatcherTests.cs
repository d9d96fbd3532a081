using Autoscaler.Gateway.Destinations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Gateway.Tests.Destinations;

public sealed class DestinationsFileWatcherTests : IDisposable
{
    private static readonly Uri Fixed = new("http://127.0.0.1:9000/");
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-watch-").FullName;
    private readonly FakeTimeProvider _time = new();
    private readonly CapturingLogger<DestinationsFileWatcher> _log = new();
    private readonly GatewayOptions _options;
    private readonly DestinationsProxyConfig _destinations;

    public DestinationsFileWatcherTests()
    {
        _options = new GatewayOptions { DestinationsFile = Path.Combine(_directory, "targets.json"), FilePollInterval = TimeSpan.FromSeconds(2) };
        _destinations = new DestinationsProxyConfig(_options, [], NullLogger<DestinationsProxyConfig>.Instance);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Start_applies_the_file_together_with_the_static_destinations()
    {
        WriteAtomically("""[{"targets":["127.0.0.1:8001"]}]""");
        using var watcher = await StartAsync();

        Assert.Equal(["http://127.0.0.1:9000/", "http://127.0.0.1:8001/"], Current());
    }

    [Fact]
    public async Task A_replaced_file_is_applied_at_the_latest_on_the_next_poll()
    {
        WriteAtomically("""["http://127.0.0.1:8001"]""");
        using var watcher = await StartAsync();

        WriteAtomically("""[{"targets":["127.0.0.1:8002","127.0.0.1:8003"]}]""");
        _time.Advance(_options.FilePollInterval);

        Assert.Equal(["http://127.0.0.1:9000/", "http://127.0.0.1:8002/", "http://127.0.0.1:8003/"], Current());
    }

    [Fact]
    public async Task An_invalid_file_is_logged_once_and_the_previous_set_is_kept()
    {
        WriteAtomically("""["http://127.0.0.1:8001", "http://127.0.0.1:8002"]""");
        using var watcher = await StartAsync();

        WriteAtomically("""["http://127.0.0.1:8003", "not a url"]""");
        _time.Advance(_options.FilePollInterval);
        _time.Advance(_options.FilePollInterval);

        Assert.Equal(["http://127.0.0.1:9000/", "http://127.0.0.1:8001/", "http://127.0.0.1:8002/"], Current());
        var warning = Assert.Single(_log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("targets.json ignored: element 1: 'not a url' is not an absolute http:// or https:// URL", warning.Message, StringComparison.Ordinal);
        Assert.Contains("keeping the previous 3 destinations", warning.Message, StringComparison.Ordinal);

        WriteAtomically("[]");
        _time.Advance(_options.FilePollInterval);

        Assert.Equal(["http://127.0.0.1:9000/"], Current());
    }

    [Fact]
    public async Task A_deleted_file_keeps_the_previous_set()
    {
        WriteAtomically("""["http://127.0.0.1:8001"]""");
        using var watcher = await StartAsync();

        File.Delete(_options.DestinationsFile!);
        _time.Advance(_options.FilePollInterval);

        Assert.Equal(["http://127.0.0.1:9000/", "http://127.0.0.1:8001/"], Current());
        Assert.Contains(_log.Entries, e => e.Message.Contains("the file does not exist", StringComparison.Ordinal));
    }

    private async Task<DestinationsFileWatcher> StartAsync()
    {
        var watcher = new DestinationsFileWatcher(_options, [Fixed], _destinations, _time, _log);
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        return watcher;
    }

    private string[] Current() => [.. _destinations.Current.Select(u => u.AbsoluteUri)];

    private void WriteAtomically(string content)
    {
        var temp = _options.DestinationsFile + ".tmp";
        File.WriteAllText(temp, content);
        File.Move(temp, _options.DestinationsFile!, overwrite: true);
    }
}
