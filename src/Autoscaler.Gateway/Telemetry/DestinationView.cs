using System.Text.Json;
using System.Text.Json.Serialization;

namespace Autoscaler.Gateway.Telemetry;

/// <summary>One replica as <c>/gateway/destinations</c> shows it.</summary>
internal sealed record DestinationView(string Address, string Health, int Inflight);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DestinationView[]))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
