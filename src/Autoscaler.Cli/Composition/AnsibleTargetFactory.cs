using System.CommandLine;
using System.Security.Cryptography;
using Autoscaler.Prometheus.Api;
using Autoscaler.Targets.Ansible;
using Autoscaler.Targets.Local;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Composition;

/// <summary>
/// <c>--target ansible</c>: its flags, how they bind, and the target for <c>autoscaler scaler</c> (a playbook of the
/// user's; the count from a PromQL query) and for <c>autoscaler up</c> (the shipped playbook-scale-local.yml setting
/// the local replicas through the scaler's own <c>PUT /api/v1/replicas</c>; the count from those replicas).
/// </summary>
internal sealed class AnsibleTargetFactory
{
    /// <summary>The variable that carries the scaler's API token to the playbook, off the command line.</summary>
    public const string TokenVariable = "AUTOSCALER_API_TOKEN";

    private readonly bool _forUp;
    private readonly Option<string?> _playbook;
    private readonly Option<string[]> _extraVars = new("--ansible-extra-var")
    {
        Description = "With --target ansible: an extra variable for the playbook, NAME=VALUE, repeatable (passed as -e before target_replicas)",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string?> _inventory = new("--ansible-inventory") { Description = "With --target ansible: the inventory (-i), a file or a host list such as localhost, [default: none, the implicit localhost]" };
    private readonly Option<TimeSpan?> _timeout = VerbOptions.Duration("--ansible-timeout", "With --target ansible: how long one playbook run may take before it is killed [default: 2m]");
    private readonly Option<string?> _replicasQuery = new("--ansible-replicas-query")
    {
        Description = "With --target ansible: PromQL that counts the replicas, since a playbook cannot report it [default: count(up{job=\"webapp\"})]",
    };

    public AnsibleTargetFactory(bool forUp)
    {
        _forUp = forUp;
        _playbook = new("--playbook")
        {
            Description = forUp
                ? "With --target ansible: the playbook to run instead of the shipped deploy/ansible/playbook-scale-local.yml (it gets -e scaler_url=… and the API token in AUTOSCALER_API_TOKEN)"
                : "With --target ansible: the playbook to run as `ansible-playbook PLAYBOOK … -e target_replicas=N` (e.g. deploy/ansible/playbook-scale.yml)",
        };
    }

    public IEnumerable<Option> All => _forUp ? [_playbook, _extraVars, _inventory, _timeout] : [_playbook, _extraVars, _inventory, _timeout, _replicasQuery];

    /// <summary>The playbook <c>up --target ansible</c> runs unless told otherwise, shipped next to the binary.</summary>
    public static string ShippedLocalPlaybook() => Path.Combine(AppContext.BaseDirectory, "deploy", "ansible", "playbook-scale-local.yml");

    /// <summary>A fresh token for one <c>up</c> session when none is configured.</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    /// <summary>Binds the options when the target is ansible (every problem goes to <paramref name="loader"/>); otherwise refuses its flags.</summary>
    public AnsibleTargetOptions? Bind(ParseResult parse, OptionsLoader loader, string target)
    {
        if (!TargetFlag.Selected(parse, loader, All, TargetFlag.Ansible, target))
        {
            return null;
        }

        var options = loader.Bind<AnsibleTargetOptions>(AnsibleTargetOptions.Section, o =>
        {
            parse.IfGiven(_playbook, v => o.Playbook = v);
            parse.IfGiven(_inventory, v => o.Inventory = v);
            parse.IfGiven(_timeout, v => o.Timeout = v!.Value);
            parse.IfGiven(_replicasQuery, v => o.ReplicasQuery = v!);
            parse.IfGiven(_extraVars, v =>
            {
                foreach (var pair in v)
                {
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0)
                    {
                        loader.Problem($"--ansible-extra-var = {pair}: use NAME=VALUE, e.g. compose_file=compose.yaml");
                        continue;
                    }

                    o.ExtraVars[pair[..equals]] = pair[(equals + 1)..];
                }
            });
            if (_forUp)
            {
                o.Playbook ??= ShippedLocalPlaybook();
            }
        }, new AnsibleTargetOptionsValidator());
        foreach (var problem in Problems(options, ShippedLocalPlaybook()))
        {
            loader.Problem(problem);
        }

        return options;
    }

    /// <summary>What stops <paramref name="options"/> from running, worded for the command line; a missing <paramref name="shippedPlaybook"/> means a broken install, not a wrong flag.</summary>
    internal static IEnumerable<string> Problems(AnsibleTargetOptions options, string shippedPlaybook)
    {
        if (AnsibleTarget.BinaryProblem(options) is { } binary)
        {
            yield return $"--target ansible: {binary}";
        }

        if (AnsibleTarget.PlaybookProblem(options) is { } playbook)
        {
            yield return options.Playbook == shippedPlaybook
                ? $"the shipped playbook {options.Playbook} is missing next to the binary; rebuild with scripts/build.sh, or pass --playbook FILE"
                : $"--target ansible: {playbook}";
        }
    }

    /// <summary><c>autoscaler scaler --target ansible</c>: the user's playbook; the count is what <see cref="AnsibleTargetOptions.ReplicasQuery"/> returns.</summary>
    public static AnsibleTarget ForScaler(AnsibleTargetOptions options, PrometheusClient client, ILoggerFactory loggers) =>
        new(options, async cancellationToken =>
        {
            var result = await client.QueryScalarAsync(options.ReplicasQuery, cancellationToken);
            return result.Value is { } value
                ? (int)Math.Round(value)
                : throw new InvalidOperationException($"the replica count query has no value ({result.Message}); set --ansible-replicas-query to PromQL that counts the replicas");
        }, TimeProvider.System, loggers.CreateLogger<AnsibleTarget>());

    /// <summary>
    /// <c>autoscaler up --target ansible</c>: the playbook sets the local replicas through the scaler's API at <paramref name="scalerUrl"/>;
    /// the token travels in the environment so it shows neither in the logged command line nor in <c>ps</c>.
    /// </summary>
    public static AnsibleTarget ForUp(AnsibleTargetOptions options, LocalProcessTarget replicas, string scalerUrl, string apiToken, ILoggerFactory loggers)
    {
        options.ExtraVars.TryAdd("scaler_url", scalerUrl);
        return new AnsibleTarget(
            options,
            replicas.GetCurrentReplicasAsync,
            TimeProvider.System,
            loggers.CreateLogger<AnsibleTarget>(),
            new Dictionary<string, string> { [TokenVariable] = apiToken });
    }
}
