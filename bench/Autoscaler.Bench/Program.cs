using System.Diagnostics;
using System.Globalization;
using Autoscaler.Gateway;
using Autoscaler.Gateway.Destinations;
using Autoscaler.Targets.Local;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

// Scale-up latency: from the scaler's call to ScaleAsync(n + 1) to the new replica answering a request
// through the gateway. Same objects as `autoscaler up`: LocalProcessTarget and an in-process gateway.
// Usage: dotnet run -c Release --project bench/Autoscaler.Bench -- [runs]
var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
var autoscalerDll = Path.Combine(AppContext.BaseDirectory, "autoscaler.dll");

var gateway = GatewayHost.Build(new GatewayOptions(), ["http://127.0.0.1:0"], b => b.Logging.ClearProviders());
await gateway.StartAsync();
var gatewayUrl = new Uri(gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
var destinations = gateway.Services.GetRequiredService<IGatewayDestinations>();

await using var target = new LocalProcessTarget(
    new LocalTargetOptions { PortRangeStart = 19301, PortRangeEnd = 19399, WebAppArguments = ["--service-time", "1ms"] },
    ["dotnet", autoscalerDll],
    [new GatewayListener(destinations)],
    TimeProvider.System,
    NullLogger<LocalProcessTarget>.Instance);
using var http = new HttpClient { BaseAddress = gatewayUrl };

await target.ScaleAsync(1, CancellationToken.None);
var times = new List<double>();
for (var i = 0; i < runs; i++)
{
    var before = target.Replicas.Select(r => r.Id).ToHashSet();
    var clock = Stopwatch.StartNew();
    var scaling = target.ScaleAsync(before.Count + 1, CancellationToken.None);
    // Keep asking the gateway until a replica that was not there before answers.
    while (true)
    {
        using var response = await http.GetAsync("/");
        var id = response.Headers.TryGetValues("X-Instance-Id", out var v) ? v.First() : "";
        if (response.IsSuccessStatusCode && !before.Contains(id))
        {
            break;
        }

        // Probe every 10 ms: a busy loop would steal the CPU the starting replica needs.
        await Task.Delay(10);
    }

    times.Add(clock.Elapsed.TotalMilliseconds);
    await scaling;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {i + 1}: {before.Count} -> {before.Count + 1} replicas, new replica served through the gateway after {clock.Elapsed.TotalMilliseconds:0} ms"));
}

times.Sort();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median decision-to-serving time: {times[times.Count / 2]:0} ms over {runs} runs (goal: under 1500 ms)"));
await target.ScaleAsync(0, CancellationToken.None);
await gateway.StopAsync();

internal sealed class GatewayListener(IGatewayDestinations destinations) : IReplicaSetListener
{
    public Task ReplicasChangedAsync(IReadOnlyList<Uri> ready, CancellationToken cancellationToken)
    {
        destinations.Set(ready);
        return Task.CompletedTask;
    }
}
