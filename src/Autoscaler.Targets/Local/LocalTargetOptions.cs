using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Autoscaler.Targets.Local;

/// <summary>Options of the local target: replicas are child processes of the same <c>autoscaler</c> binary.</summary>
public sealed class LocalTargetOptions
{
    /// <summary>Configuration section (environment: <c>LocalTarget__PortRangeStart=8001</c>).</summary>
    public const string Section = "LocalTarget";

    /// <summary>First port a replica may use.</summary>
    [Range(1, 65535)]
    public int PortRangeStart { get; set; } = 8001;

    /// <summary>Last port a replica may use.</summary>
    [Range(1, 65535)]
    public int PortRangeEnd { get; set; } = 8099;

    /// <summary>Extra arguments for every <c>autoscaler webapp</c> replica (e.g. <c>--service-time 100ms</c>).</summary>
    public List<string> WebAppArguments { get; set; } = [];

    /// <summary>How long a new replica may take to answer 200 on <c>/readyz</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ReadyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a removed replica may take to drain and exit after SIGTERM before it is killed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(35);

    /// <summary>Start a replacement when a replica dies.</summary>
    public bool ReplaceDead { get; set; } = true;

    /// <summary>
    /// Start a stand-in at once for a replica that the gateway reports unready (it failed its readiness probe), and
    /// kill the unready one if it has not recovered within <see cref="UnhealthyGracePeriod"/>. One that recovers in
    /// time is kept and the surplus (the newest replica) drained.
    /// </summary>
    public bool ReplaceUnhealthy { get; set; } = true;

    /// <summary>How long a replica may stay unready before it is killed (a stand-in has taken its place already).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan UnhealthyGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Where each replica's output goes (<c>replica-PORT.log</c>); discarded when unset.</summary>
    public string? LogDirectory { get; set; }
}

/// <summary>Checks that the port range is not empty.</summary>
public sealed class LocalTargetOptionsValidator : IValidateOptions<LocalTargetOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, LocalTargetOptions options) =>
        options.PortRangeStart <= options.PortRangeEnd
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{name}:PortRangeStart = {options.PortRangeStart}: must not exceed {name}:PortRangeEnd = {options.PortRangeEnd}");
}
