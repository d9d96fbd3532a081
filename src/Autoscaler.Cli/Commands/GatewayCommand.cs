using System.CommandLine;
using Autoscaler.Cli.Logging;
using Autoscaler.Gateway;
using Autoscaler.Gateway.Destinations;
using Microsoft.Extensions.DependencyInjection;

namespace Autoscaler.Cli.Commands;

/// <summary><c>autoscaler gateway</c>: the load balancer in front of the replicas.</summary>
internal static class GatewayCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port to listen on, on 127.0.0.1 (0 picks a free one)", DefaultValueFactory = _ => 8000 };
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on, ';'-separated, as for ASP.NET Core (overrides --port)" };
        var file = new Option<string?>("--destinations-file")
        {
            Description = "JSON file of replica addresses, followed while running: [\"http://127.0.0.1:8001\"] or Prometheus "
                + "file_sd [{\"targets\":[\"127.0.0.1:8001\"]}]. It must exist at start; later an invalid version is logged and ignored",
        };
        var dns = new Option<string?>("--destinations-dns")
        {
            Description = "NAME:PORT, e.g. webapp:8000: every IPv4 address of NAME is a replica on PORT, resolved again every "
                + "--dns-refresh-interval (how Docker Compose publishes a scaled service). Not with --destinations-file",
        };
        var dnsRefresh = VerbOptions.Duration("--dns-refresh-interval", "How often --destinations-dns is resolved again [default: 2s]");
        var destination = new Option<string[]>("--destination")
        {
            Description = "A replica address such as http://127.0.0.1:8001, always balanced over; repeat for more",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var balancing = new Option<GatewayLoadBalancing>("--load-balancing") { Description = "How a replica is picked: LeastRequests, PowerOfTwoChoices or RoundRobin [default: LeastRequests]" };
        var reactivation = VerbOptions.Duration("--reactivation-period", "How long a replica that refused a connection or failed too many requests stays out of rotation [default: 5s]");
        var probePath = new Option<string?>("--probe-path") { Description = "Readiness path probed on every replica; \"\" turns probing off [default: /readyz]" };
        var probeInterval = VerbOptions.Duration("--probe-interval", "Time between two rounds of readiness probes [default: 1s]");
        var probeTimeout = VerbOptions.Duration("--probe-timeout", "A readiness probe not answered within this has failed, and the replica leaves rotation until one passes [default: 1s]");
        var activity = VerbOptions.Duration("--activity-timeout", "A request with no progress for this long fails with 504 [default: 100s]");
        var connect = VerbOptions.Duration("--connect-timeout", "Opening a connection to a replica may take this long [default: 5s]");

        var command = new Command("gateway", """
            Run the load balancer: a reverse proxy on port 8000 that spreads requests over the replicas, least busy
            first. Replicas come from --destination flags and from either --destinations-file, which is re-read whenever
            it changes, or --destinations-dns, a DNS name resolved every few seconds; a removed replica finishes the requests it already has.
            Every replica's /readyz is probed each second: one that fails it leaves rotation until a probe passes, and the GET and
            HEAD requests waiting on it go to another replica. One that refuses a connection, or fails half of its requests
            (timeouts, transport errors, 5xx other than 503), is out for the reactivation period. A GET or HEAD that could not
            connect or timed out is sent to another replica once; other methods never are.
            Serves its own /metrics, /gateway/healthz and /gateway/destinations; every other path is proxied.
            Every flag can also be set as an environment variable, e.g. Gateway__LoadBalancing=RoundRobin.
            """)
        {
            port, urls, file, dns, dnsRefresh, destination, balancing, reactivation, probePath, probeInterval, probeTimeout, activity, connect,
        };
        var logs = new LogFlags();
        foreach (var option in logs.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, _) =>
        {
            var options = VerbOptions.Load<GatewayOptions>(GatewayOptions.Section, o =>
            {
                parse.IfGiven(file, v => o.DestinationsFile = v);
                parse.IfGiven(dns, v => o.DestinationsDns = v);
                parse.IfGiven(dnsRefresh, v => o.DnsRefreshInterval = v!.Value);
                parse.IfGiven(destination, v => o.Destinations.AddRange(v));
                parse.IfGiven(balancing, v => o.LoadBalancing = v);
                parse.IfGiven(reactivation, v => o.ReactivationPeriod = v!.Value);
                parse.IfGiven(probePath, v => o.ProbePath = v ?? "");
                parse.IfGiven(probeInterval, v => o.ProbeInterval = v!.Value);
                parse.IfGiven(probeTimeout, v => o.ProbeTimeout = v!.Value);
                parse.IfGiven(activity, v => o.ActivityTimeout = v!.Value);
                parse.IfGiven(connect, v => o.ConnectTimeout = v!.Value);
            }, new GatewayOptionsValidator());
            var listen = HostRunner.ListenUrls(parse.GetValue(urls), parse.GetValue(port));
            var logging = logs.Bind(parse);
            var app = GatewayHost.Build(options, listen, HostRunner.ConfigureLogging(logging));
            var destinations = app.Services.GetRequiredService<IGatewayDestinations>();
            return await HostRunner.RunAsync(app, "gateway", listen, a =>
                $"gateway listening on {string.Join(' ', a)} over {destinations.Current.Count} destination(s), {options.LoadBalancing}", logging);
        });
        return command;
    }
}
