using System.Text.Json;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Deploy;

/// <summary>
/// deploy/compose/docker-compose.yml: valid for docker-compose 1.29 (Compose v2 reads the same file; no engine is
/// needed for either check), and consistent with the Prometheus, Alertmanager and Grafana files and with DESIGN.md.
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly Dictionary<string, int> DesignPorts = new(StringComparer.Ordinal)
    {
        ["gateway"] = 8000,
        ["scaler"] = 8080,
        ["prometheus"] = 9090,
        ["alertmanager"] = 9093,
        ["grafana"] = 3000,
    };

    private readonly Dictionary<string, Dictionary<object, object?>> _services = DeployFiles.ComposeServices();

    [Fact]
    public async Task Docker_compose_1_29_accepts_the_file()
    {
        var compose = RequiredBinary.Find("docker-compose", "apt-get install docker-compose");

        var (exit, output) = await Tool.RunAsync(compose, ["-f", RepositoryRoot.File(DeployFiles.ComposeFile), "config", "-q"], NoComposeEnvironment());

        Assert.True(exit == 0, $"docker-compose config -q failed:\n{output}");
    }

    [Fact]
    public async Task The_scaler_sees_a_valid_file_with_the_same_project_through_its_mount_of_the_compose_directory()
    {
        // The scaler runs Compose against /compose (deploy/compose mounted read-only) with COMPOSE_FILE set; the rest of
        // the repository is not there. The file must still load, and name the project the stack was started as.
        var compose = RequiredBinary.Find("docker-compose", "apt-get install docker-compose");
        using var dir = new TempDirectory("scaler-view");
        var mount = Path.Combine(dir.Path, "compose");
        Directory.CreateDirectory(mount);
        foreach (var file in Directory.EnumerateFiles(RepositoryRoot.File("deploy/compose")))
        {
            File.Copy(file, Path.Combine(mount, Path.GetFileName(file)));
        }

        var scaler = _services["scaler"];
        Assert.Contains(("deploy/compose", "/compose"), DeployFiles.BindMounts(scaler));
        Assert.Equal("/compose/docker-compose.yml", DeployFiles.Str(DeployFiles.Get(scaler, "environment", "COMPOSE_FILE")));
        var environment = NoComposeEnvironment();
        environment["COMPOSE_FILE"] = Path.Combine(mount, "docker-compose.yml");

        var (exit, output) = await Tool.RunAsync(compose, ["config"], environment, workingDirectory: dir.Path);

        Assert.True(exit == 0, $"docker-compose config from the scaler's view failed:\n{output}");
        Assert.Contains("COMPOSE_PROJECT_NAME: autoscaler", output, StringComparison.Ordinal);
        Assert.Contains("COMPOSE_PROJECT_NAME=autoscaler", await File.ReadAllTextAsync(RepositoryRoot.File("deploy/compose/.env"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_service_the_Prometheus_Alertmanager_and_Grafana_files_name_exists()
    {
        var prometheus = DeployFiles.Load("deploy/compose/prometheus.yml");
        var named = new List<(string Host, string Where)>();
        foreach (var job in DeployFiles.Seq(DeployFiles.Get(prometheus, "scrape_configs")))
        {
            var name = DeployFiles.Str(DeployFiles.Get(job, "job_name"));
            named.AddRange(DeployFiles.Seq(DeployFiles.Get(job, "static_configs"))
                .SelectMany(s => DeployFiles.Seq(DeployFiles.Get(s, "targets")))
                .Select(t => (Host(DeployFiles.Str(t)!), $"prometheus.yml job {name}")));
            named.AddRange(DeployFiles.Seq(DeployFiles.Get(job, "dns_sd_configs"))
                .SelectMany(s => DeployFiles.Seq(DeployFiles.Get(s, "names")))
                .Select(n => (DeployFiles.Str(n)!, $"prometheus.yml job {name} dns_sd")));
        }

        named.AddRange(DeployFiles.Seq(DeployFiles.Get(prometheus, "alerting", "alertmanagers"))
            .SelectMany(a => DeployFiles.Seq(DeployFiles.Get(a, "static_configs")))
            .SelectMany(s => DeployFiles.Seq(DeployFiles.Get(s, "targets")))
            .Select(t => (Host(DeployFiles.Str(t)!), "prometheus.yml alerting")));
        named.AddRange(DeployFiles.Seq(DeployFiles.Get(DeployFiles.Load("deploy/compose/alertmanager.yml"), "receivers"))
            .SelectMany(r => DeployFiles.Seq(DeployFiles.Get(r, "webhook_configs")))
            .Select(w => (new Uri(DeployFiles.Str(DeployFiles.Get(w, "url"))!).Host, "alertmanager.yml webhook")));
        named.AddRange(DeployFiles.Seq(DeployFiles.Get(DeployFiles.Load("deploy/grafana/provisioning/datasources/prometheus.yml"), "datasources"))
            .Select(d => (new Uri(DeployFiles.Str(DeployFiles.Get(d, "url"))!).Host, "grafana data source")));

        Assert.Contains(named, n => n.Host == "webapp");
        Assert.Contains(named, n => n.Host == "scaler");
        var missing = named.Where(n => n.Host != "localhost" && !_services.ContainsKey(n.Host)).ToList();
        Assert.True(missing.Count == 0, "not a service of the Compose file: " + string.Join(", ", missing.Select(m => $"{m.Host} ({m.Where})")));
    }

    [Fact]
    public void Published_ports_are_those_of_DESIGN_and_only_the_gateway_owns_8000()
    {
        foreach (var (service, port) in DesignPorts)
        {
            var published = Assert.Single(DeployFiles.PublishedPorts(_services[service]));
            Assert.Equal((port, port), (published.HostPort, published.ContainerPort));
        }

        var on8000 = _services.Where(s => DeployFiles.PublishedPorts(s.Value).Any(p => p.HostPort == 8000)).Select(s => s.Key);
        Assert.Equal(["gateway"], on8000);

        // The standby of the "ha" profile: the scaler's API next to it, on loopback like every other port.
        var standby = Assert.Single(DeployFiles.PublishedPorts(_services["scaler-standby"]));
        Assert.Equal(("127.0.0.1", 8081, 8080), standby);
        Assert.All(_services.Keys.Where(s => !DesignPorts.ContainsKey(s) && s != "scaler-standby"), s => Assert.Empty(DeployFiles.PublishedPorts(_services[s])));
    }

    [Fact]
    public void The_webapp_service_can_scale_no_published_port_no_container_name()
    {
        var webapp = _services["webapp"];

        Assert.Null(DeployFiles.Get(webapp, "ports"));
        Assert.Null(DeployFiles.Get(webapp, "container_name"));
        Assert.Equal(["webapp", "--urls", "http://0.0.0.0:8000"], DeployFiles.Seq(DeployFiles.Get(webapp, "command")).Select(DeployFiles.Str));
        Assert.Contains("--destinations-dns webapp:8000", string.Join(' ', DeployFiles.Seq(DeployFiles.Get(_services["gateway"], "command")).Select(DeployFiles.Str)), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_long_running_service_has_a_health_check()
    {
        // A service with a profile (`load`) is a one-off job started by `run --rm`, not part of the stack.
        var longRunning = _services.Where(s => DeployFiles.Get(s.Value, "profiles") is null).ToList();

        Assert.Equal(["alertmanager", "gateway", "grafana", "prometheus", "scaler", "webapp"], longRunning.Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.All(longRunning, s =>
        {
            var test = DeployFiles.Seq(DeployFiles.Get(s.Value, "healthcheck", "test")).Select(DeployFiles.Str).ToList();
            Assert.True(test.Count > 1 && test[0] == "CMD", $"{s.Key}: no health check command");
        });
    }

    [Fact]
    public void Grafana_never_gets_admin_admin()
    {
        var grafana = _services["grafana"];
        var environment = DeployFiles.Map(DeployFiles.Get(grafana, "environment"), "grafana.environment");

        // The password is not in the file: the entry point sets GF_SECURITY_ADMIN_PASSWORD (GrafanaEntrypointTests).
        Assert.False(environment.ContainsKey("GF_SECURITY_ADMIN_PASSWORD"));
        Assert.Equal("${GRAFANA_ADMIN_PASSWORD:-}", DeployFiles.Str(environment["GRAFANA_ADMIN_PASSWORD"]));

        // Or from a file on the host, mounted as a secret where the entry point reads it; unset, an empty file (none given).
        Assert.Equal(["grafana_admin_password"], DeployFiles.Seq(DeployFiles.Get(grafana, "secrets")).Select(DeployFiles.Str));
        Assert.Equal("/run/secrets/grafana_admin_password", DeployFiles.Str(environment["GRAFANA_ADMIN_PASSWORD_FILE"]));
        Assert.Equal("${GRAFANA_ADMIN_PASSWORD_FILE:-../grafana/no-admin-password}", DeployFiles.Str(DeployFiles.Get(DeployFiles.Load(DeployFiles.ComposeFile), "secrets", "grafana_admin_password", "file")));
        Assert.Equal(0, new FileInfo(RepositoryRoot.File("deploy/grafana/no-admin-password")).Length);
        Assert.Equal("false", DeployFiles.Str(environment["GF_AUTH_ANONYMOUS_ENABLED"]));
        Assert.Equal(["/bin/sh", "/etc/grafana/autoscaler/entrypoint.sh"], DeployFiles.Seq(DeployFiles.Get(grafana, "entrypoint")).Select(DeployFiles.Str));
        Assert.Contains(("deploy/grafana/entrypoint.sh", "/etc/grafana/autoscaler/entrypoint.sh"), DeployFiles.BindMounts(grafana));
    }

    [Fact]
    public async Task Grafana_provisioning_matches_the_mounts_and_the_dashboard()
    {
        var grafana = _services["grafana"];
        var mounts = DeployFiles.BindMounts(grafana).ToList();
        Assert.Contains(("deploy/grafana/provisioning", "/etc/grafana/provisioning"), mounts);
        var dashboardsTarget = Assert.Single(mounts, m => m.Source == "deploy/grafana/dashboards").Target;

        var provider = Assert.Single(DeployFiles.Seq(DeployFiles.Get(DeployFiles.Load("deploy/grafana/provisioning/dashboards/dashboards.yml"), "providers")));
        Assert.Equal(dashboardsTarget, DeployFiles.Str(DeployFiles.Get(provider, "options", "path")));

        var source = Assert.Single(DeployFiles.Seq(DeployFiles.Get(DeployFiles.Load("deploy/grafana/provisioning/datasources/prometheus.yml"), "datasources")));
        using var dashboard = await DashboardQueries.LoadDashboardAsync();
        Assert.Equal("Auto-Scaling Simulator", dashboard.RootElement.GetProperty("title").GetString());
        var variable = dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray().Single(v => v.GetProperty("type").GetString() == "datasource");
        Assert.Equal(DeployFiles.Str(DeployFiles.Get(source, "uid")), variable.GetProperty("current").GetProperty("value").GetString());
        Assert.Equal(DeployFiles.Str(DeployFiles.Get(source, "type")), variable.GetProperty("query").GetString());

        // Every query of the dashboard goes through that variable, so a data source of another uid is one click away.
        var datasources = DashboardQueries.Descendants(dashboard.RootElement).Where(e => e.Name == "datasource" && e.Value.ValueKind == JsonValueKind.Object)
            .Select(e => e.Value.GetProperty("uid").GetString()).Where(uid => uid != "-- Grafana --").Distinct().ToList();
        Assert.Equal(["${" + variable.GetProperty("name").GetString() + "}"], datasources);
    }

    [Fact]
    public void Every_file_a_service_mounts_from_the_repository_exists()
    {
        var mounts = _services.SelectMany(s => DeployFiles.BindMounts(s.Value).Select(m => (Service: s.Key, m.Source))).ToList();

        Assert.NotEmpty(mounts);
        Assert.All(mounts.Where(m => !m.Source.StartsWith('/')), m =>
            Assert.True(File.Exists(RepositoryRoot.File(m.Source)) || Directory.Exists(RepositoryRoot.File(m.Source)), $"{m.Service} mounts {m.Source}, which does not exist"));
        Assert.Equal(["/var/run/docker.sock"], mounts.Where(m => m.Source.StartsWith('/')).Select(m => m.Source).Distinct());
        Assert.Equal(["scaler", "scaler-standby"], mounts.Where(m => m.Source == "/var/run/docker.sock").Select(m => m.Service).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_scaler_runs_the_shipped_playbook_on_this_file_as_mounted()
    {
        var scaler = _services["scaler"];
        var command = DeployFiles.Seq(DeployFiles.Get(scaler, "command")).Select(DeployFiles.Str).ToList();

        Assert.Equal("ansible", command[command.IndexOf("--target") + 1]);
        Assert.Equal("http://prometheus:9090", command[command.IndexOf("--prometheus-url") + 1]);
        Assert.Equal("/app/deploy/ansible/playbook-scale.yml", command[command.IndexOf("--playbook") + 1]);
        Assert.Contains("COPY deploy/ /app/deploy/", File.ReadAllText(RepositoryRoot.File("Dockerfile")), StringComparison.Ordinal);

        // The playbook's variables point it at the Compose directory as the scaler mounts it, and at this file.
        var extra = command.Select((a, i) => (a, i)).Where(x => x.a == "--ansible-extra-var").Select(x => command[x.i + 1]!.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
        var playbookVars = DeployFiles.Map(DeployFiles.Get(Assert.Single(DeployFiles.Seq(DeployFiles.Load("deploy/ansible/playbook-scale.yml"))), "vars"), "playbook vars");
        Assert.All(extra.Keys, key => Assert.True(playbookVars.ContainsKey(key), $"the playbook has no variable {key}"));
        var mount = Assert.Single(DeployFiles.BindMounts(scaler), m => m.Source == "deploy/compose").Target;
        Assert.Equal(mount, extra["compose_project_dir"]);
        Assert.Equal(Path.GetFileName(DeployFiles.ComposeFile), extra["compose_file"]);
    }

    /// <summary>Compose reads these from the environment; the test's own must not change what it sees.</summary>
    private static Dictionary<string, string?> NoComposeEnvironment() => new(StringComparer.Ordinal)
    {
        ["COMPOSE_FILE"] = null,
        ["COMPOSE_PROJECT_NAME"] = null,
        ["GRAFANA_ADMIN_PASSWORD"] = null,
        ["GRAFANA_ADMIN_PASSWORD_FILE"] = null,
        ["DOCKER_HOST"] = null,
    };

    private static string Host(string target) => target[..target.LastIndexOf(':')];
}
