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
