using System.Text.Json;
using Autoscaler.Prometheus.Discovery;
using Autoscaler.Testing;

namespace Autoscaler.Prometheus.Tests.Discovery;

public sealed class FileSdWriterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Writes_the_file_sd_json_prometheus_reads()
    {
        using var temp = new TempDirectory();
        var writer = new FileSdWriter(temp.File("sd/webapp.json"));

        await writer.WriteAsync(["127.0.0.1:8001", "127.0.0.1:8002"], new Dictionary<string, string> { ["service"] = "webapp" }, Ct);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(writer.Path, Ct));
        var group = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(["127.0.0.1:8001", "127.0.0.1:8002"], group.GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("webapp", group.GetProperty("labels").GetProperty("service").GetString());
        Assert.Equal(2, group.EnumerateObject().Count());
    }

    [Fact]
    public async Task Empty_target_list_writes_a_group_without_targets_and_labels_default_to_empty()
    {
        using var temp = new TempDirectory();
        var writer = new FileSdWriter(temp.File("webapp.json"));

        await writer.WriteAsync([], null, Ct);

        var text = await File.ReadAllTextAsync(writer.Path, Ct);
        Assert.Equal("""[{"targets":[],"labels":{}}]""", text.Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task What_is_written_reads_back()
    {
        using var temp = new TempDirectory();
        var writer = new FileSdWriter(temp.File("webapp.json"));
        FileSdTargetGroup[] groups =
        [
            new(["127.0.0.1:8001"], new Dictionary<string, string> { ["zone"] = "a" }),
            new(["127.0.0.1:8002", "127.0.0.1:8003"]),
        ];

        await writer.WriteAsync(groups, Ct);
        var read = await FileSdWriter.ReadAsync(writer.Path, Ct);

        Assert.Equal(2, read.Count);
        Assert.Equal(["127.0.0.1:8001"], read[0].Targets);
        Assert.Equal("a", read[0].Labels!["zone"]);
        Assert.Equal(["127.0.0.1:8002", "127.0.0.1:8003"], read[1].Targets);
        Assert.Empty(await FileSdWriter.ReadAsync(temp.File("absent.json"), Ct));
    }

    [Fact]
    public async Task Readers_never_see_a_half_written_file_and_no_temporary_file_is_left()
    {
        using var temp = new TempDirectory();
        var writer = new FileSdWriter(temp.File("webapp.json"));
        // Big enough that a non-atomic write would be observed half-done.
        var targets = Enumerable.Range(0, 2000).Select(i => $"127.0.0.1:{10000 + i}").ToList();
        await writer.WriteAsync(targets, null, Ct);

        using var stop = new CancellationTokenSource();
        var reads = 0;
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var text = await File.ReadAllTextAsync(writer.Path, Ct);
                using var json = JsonDocument.Parse(text); // throws on a torn file
                var count = json.RootElement[0].GetProperty("targets").GetArrayLength();
                Assert.True(count is 2000 or 1999, $"read {count} targets");
                reads++;
            }
        }, Ct);

        for (var i = 0; i < 200; i++)
        {
            await writer.WriteAsync(i % 2 == 0 ? targets.Skip(1) : targets, null, Ct);
        }

        await stop.CancelAsync();
        await reader;
        Assert.True(reads > 0);
        Assert.Equal(["webapp.json"], Directory.GetFiles(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Concurrent_writes_leave_one_complete_version()
    {
        using var temp = new TempDirectory();
        var writer = new FileSdWriter(temp.File("webapp.json"));

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => writer.WriteAsync([$"127.0.0.1:{8001 + i}"], null, Ct)));

        var group = Assert.Single(await FileSdWriter.ReadAsync(writer.Path, Ct));
        Assert.Single(group.Targets);
        Assert.Single(Directory.GetFiles(temp.Path));
    }
}
