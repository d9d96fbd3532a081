using System.CommandLine;
using Autoscaler.Cli.Logging;
using Autoscaler.Core.ServiceModel;
using Autoscaler.WebApp;

namespace Autoscaler.Cli.Commands;

/// <summary><c>autoscaler webapp</c>: one replica of the demo service.</summary>
internal static class WebAppCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port to listen on, on 127.0.0.1 (0 picks a free one)", DefaultValueFactory = _ => 8001 };
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on, ';'-separated, as for ASP.NET Core (overrides --port)" };
        var instance = new Option<string?>("--instance-id") { Description = "Name shown in responses and the X-Instance-Id header [default: host-pid]" };
        var workers = new Option<int>("--workers") { Description = "Requests served at once (W) [default: 4]" };
        var queue = new Option<int>("--queue-limit") { Description = "Requests that may wait for a worker (Q); more get 503 [default: 100]" };
        var serviceTime = VerbOptions.Duration("--service-time", "Mean service time per request (S) [default: 100ms]");
        var distribution = new Option<ServiceTimeDistribution>("--distribution") { Description = "Service time distribution [default: Exponential]" };
        var startup = VerbOptions.Duration("--startup-delay", "Time before the replica is ready [default: 0s]");
        var errorRate = new Option<double>("--error-rate") { Description = "Fraction of requests answered 500 after their work, 0 to 1 [default: 0]" };
        var multiplier = new Option<double>("--latency-multiplier") { Description = "Multiplies every service time [default: 1]" };
        var crashAfter = new Option<long>("--crash-after") { Description = "Kill the process after this many requests; 0 never [default: 0]" };
        var drain = VerbOptions.Duration("--drain-timeout", "On SIGTERM, how long to wait for accepted requests [default: 30s]");
        var seed = new Option<int?>("--seed") { Description = "Random seed for service times and errors" };
        var parent = new Option<int?>("--parent-pid") { Description = "Stop gracefully when this process exits (used by the local target)" };

        var command = new Command("webapp", """
            Run one replica of the demo service. GET / waits for one of W workers (at most Q wait; more get 503)
            and then works for a service time with mean S, so latency grows with load. Also serves /metrics,
            /healthz and /readyz. Every flag can also be set as an environment variable, e.g. WebApp__Workers=8.
            """)
        {
            port, urls, instance, workers, queue, serviceTime, distribution, startup, errorRate, multiplier, crashAfter, drain, seed, parent,
        };
        var logs = new LogFlags();
        foreach (var option in logs.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, _) =>
        {
            var options = VerbOptions.Load<WebAppOptions>(WebAppOptions.Section, o =>
            {
                parse.IfGiven(instance, v => o.InstanceId = v);
                parse.IfGiven(workers, v => o.Workers = v);
                parse.IfGiven(queue, v => o.QueueLimit = v);
                parse.IfGiven(serviceTime, v => o.ServiceTime = v!.Value);
                parse.IfGiven(distribution, v => o.Distribution = v);
                parse.IfGiven(startup, v => o.StartupDelay = v!.Value);
                parse.IfGiven(errorRate, v => o.ErrorRate = v);
                parse.IfGiven(multiplier, v => o.LatencyMultiplier = v);
                parse.IfGiven(crashAfter, v => o.CrashAfter = v);
                parse.IfGiven(drain, v => o.DrainTimeout = v!.Value);
                parse.IfGiven(seed, v => o.Seed = v);
                parse.IfGiven(parent, v => o.ParentProcessId = v);
            });
            var listen = HostRunner.ListenUrls(parse.GetValue(urls), parse.GetValue(port));
            var logging = logs.Bind(parse);
            var app = WebAppHost.Build(options, listen, HostRunner.ConfigureLogging(logging));
            return await HostRunner.RunAsync(app, "webapp", listen, a =>
                $"webapp {options.InstanceId ?? ""} listening on {string.Join(' ', a)}".Replace("  ", " ", StringComparison.Ordinal), logging);
        });
        return command;
    }
}
