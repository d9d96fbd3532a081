using Autoscaler.Gateway.Destinations;
using Microsoft.Extensions.Options;

namespace Autoscaler.Gateway;

/// <summary>
/// Checks what DataAnnotations cannot: every static destination is an absolute http(s) URL and the
/// destinations file exists and is valid, the DNS name has a port, so the gateway never starts with a set it cannot use.
/// </summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var section = name ?? GatewayOptions.Section;
        var problems = new List<string>();
        foreach (var destination in options.Destinations)
        {
            if (!DestinationAddress.TryParse(destination, out _, out var reason))
            {
                problems.Add($"{section}:Destinations = {destination}: {reason}");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.DestinationsFile))
        {
            try
            {
                DestinationsFile.Read(options.DestinationsFile);
            }
            catch (InvalidDataException e)
            {
                problems.Add($"{section}:DestinationsFile = {options.DestinationsFile}: {e.Message}");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.DestinationsDns))
        {
            if (!DnsDestinationsWatcher.TryParse(options.DestinationsDns, out _, out _, out var reason))
            {
                problems.Add($"{section}:DestinationsDns = {options.DestinationsDns}: {reason}");
            }

            if (!string.IsNullOrWhiteSpace(options.DestinationsFile))
            {
                problems.Add($"{section}:DestinationsDns = {options.DestinationsDns}: cannot be used together with {section}:DestinationsFile; pick one source of replicas");
            }
        }

        if (!string.IsNullOrEmpty(options.ProbePath) && !options.ProbePath.StartsWith('/'))
        {
            problems.Add($"{section}:ProbePath = {options.ProbePath}: must start with / (or be empty to turn probing off)");
        }

        if (options.ProbeTimeout > options.ProbeInterval)
        {
            problems.Add($"{section}:ProbeTimeout = {options.ProbeTimeout}: must not exceed {section}:ProbeInterval = {options.ProbeInterval}");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
