using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Autoscaler.Targets.Ansible;

/// <summary>Options of the Ansible target: which playbook to run, with what, for how long, and when to stop trying.</summary>
public sealed class AnsibleTargetOptions
{
    /// <summary>Configuration section (environment: <c>AnsibleTarget__Playbook=…</c>).</summary>
    public const string Section = "AnsibleTarget";

    /// <summary>The extra variable that carries the wanted count; always passed last, so nothing overrides it.</summary>
    public const string ReplicasVariable = "target_replicas";

    /// <summary>The playbook to run: <c>ansible-playbook PLAYBOOK … -e target_replicas=N</c>.</summary>
    public string? Playbook { get; set; }

    /// <summary>An inventory (<c>-i</c>): a file, a directory or a host list such as <c>localhost,</c>; none by default (implicit localhost).</summary>
    public string? Inventory { get; set; }

    /// <summary>Extra variables passed as <c>-e NAME=VALUE</c> before <c>target_replicas</c>.</summary>
    public Dictionary<string, string> ExtraVars { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The <c>ansible-playbook</c> executable: a name looked up on PATH, or a path.</summary>
    [Required]
    [MinLength(1)]
    public string BinaryPath { get; set; } = "ansible-playbook";

    /// <summary>How long one run may take; then it is killed with every process it started.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "must be between 1s and 1h")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Consecutive failed runs that open the circuit: no run until the back-off has passed.</summary>
    [Range(1, 100)]
    public int CircuitFailureThreshold { get; set; } = 3;

    /// <summary>The first back-off once the circuit opens; it doubles after each failed retry.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00", ErrorMessage = "must be between 1ms and 1 day")]
    public TimeSpan CircuitInitialBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest back-off.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00", ErrorMessage = "must be between 1ms and 1 day")]
    public TimeSpan CircuitMaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// For <c>autoscaler scaler --target ansible</c>: the PromQL that counts the replicas (a playbook cannot report
    /// the count between runs). Under <c>autoscaler up</c> the count comes from the local replica set instead.
    /// </summary>
    [Required]
    [MinLength(1)]
    public string ReplicasQuery { get; set; } = "count(up{job=\"webapp\"})";
}

/// <summary>Rules that compare fields or look at the values' shape: back-offs in order, extra variable names. Whether the playbook and the executable exist is <see cref="AnsibleTarget.BinaryProblem"/> and <see cref="AnsibleTarget.PlaybookProblem"/>.</summary>
public sealed partial class AnsibleTargetOptionsValidator : IValidateOptions<AnsibleTargetOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AnsibleTargetOptions options)
    {
        var failures = new List<string>();
        if (options.CircuitInitialBackoff > options.CircuitMaxBackoff)
        {
            failures.Add($"{name}:CircuitInitialBackoff = {options.CircuitInitialBackoff}: must not exceed {name}:CircuitMaxBackoff = {options.CircuitMaxBackoff}");
        }

        foreach (var key in options.ExtraVars.Keys)
        {
            if (key == AnsibleTargetOptions.ReplicasVariable)
            {
                failures.Add($"{name}:ExtraVars:{key}: set by the scaler on every run; leave it out");
            }
            else if (!Identifier().IsMatch(key))
            {
                failures.Add($"{name}:ExtraVars:{key}: not a valid Ansible variable name (letters, digits, _; not starting with a digit)");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Identifier();
}
