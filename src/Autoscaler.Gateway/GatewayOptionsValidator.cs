using Autoscaler.Gateway.Destinations;
using Microsoft.Extensions.Options;

namespace Autoscaler.Gateway;

/// <summary>
/// Checks what DataAnnotations cannot: every static destination is an absolute http(s) URL and the
/// destinations file exists and is valid, so the gateway never starts with a set it cannot use.
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

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
