using System.Globalization;
using System.Text.Json;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Scaling;
using Autoscaler.Scaler.Leadership;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Scaler.Replicas;

/// <summary>
/// The replica set the scaler may set directly, and the count limits it must respect. <see cref="Target"/> is
/// null when the scaler has no replica set of its own (its target is a playbook, Compose or Kubernetes).
/// </summary>
internal sealed record ReplicaApi(IScaleTarget? Target, int MinReplicas, int MaxReplicas);

/// <summary>Response of <c>GET</c> and <c>PUT /api/v1/replicas</c>.</summary>
/// <param name="Replicas">The count now.</param>
/// <param name="Previous">The count before a <c>PUT</c> (equal to <paramref name="Replicas"/> for a <c>GET</c>).</param>
/// <param name="Changed">True when a <c>PUT</c> changed the count.</param>
/// <param name="MinReplicas">Fewest replicas a <c>PUT</c> may ask for.</param>
/// <param name="MaxReplicas">Most replicas a <c>PUT</c> may ask for.</param>
/// <param name="Pause">The pause in force, or null: while paused, every evaluation returns the count to the paused one.</param>
public sealed record ReplicaCount(int Replicas, int Previous, bool Changed, int MinReplicas, int MaxReplicas, ScalingPause? Pause = null);

/// <summary>A <c>PUT /api/v1/replicas</c> body: the count (optional with a pause: then the current count is held), and whether to pause there.</summary>
internal readonly record struct ReplicaRequest(int? Replicas, bool? Pause);

/// <summary>
/// <c>GET</c> and <c>PUT /api/v1/replicas</c>: read or set the replica count directly, bypassing the policy pipeline
/// (this is what <c>deploy/ansible/playbook-scale-local.yml</c> calls). Off unless an API token is configured, and
/// then only with <c>Authorization: Bearer TOKEN</c>: a <c>PUT</c> starts and stops processes. With <c>"pause": true</c>
/// the loop itself is paused at the count (whatever its target), until <c>DELETE /api/v1/pause</c>.
/// </summary>
internal static partial class ReplicaEndpoint
{
    public const string Path = "/api/v1/replicas";

    private const int MaxBody = 64 * 1024;

    public static async Task<IResult> GetAsync(HttpContext context, ScalerOptions options, Fleet.ScalerService service)
    {
        var (api, loop) = (service.Api, service.Loop);
        if ((Refused(context, options) ?? NoReplicaSet(api)) is { } refused)
        {
            return refused;
        }

        var now = await api.Target!.GetCurrentReplicasAsync(context.RequestAborted);
        return Results.Json(new ReplicaCount(now, now, false, api.MinReplicas, api.MaxReplicas, loop.Paused), ScalerHost.Json);
    }

    public static async Task<IResult> PutAsync(HttpContext context, ScalerOptions options, Fleet.ScalerService service, ILoggerFactory loggers)
    {
        var (api, state, loop) = (service.Api, service.State, service.Loop);
        if ((Refused(context, options) ?? StandbyRefusal.For(service.Leadership, service.Time)) is { } refused)
        {
            return refused;
        }

        var (body, tooLarge) = await RequestBody.ReadAsync(context, MaxBody, "send {\"replicas\": N}");
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        if (!TryParse(body, out var request, out var error))
        {
            return Results.Text(error, statusCode: StatusCodes.Status400BadRequest);
        }

        if (request.Pause == true)
        {
            return await PauseEndpoint.PauseAsync(context, api, loop, request.Replicas);
        }

        if (request.Pause == false && loop.Paused is { } paused)
        {
            return Results.Text($"the scaler is {paused}; \"pause\": false does not resume it: DELETE /api/v1/pause does", statusCode: StatusCodes.Status409Conflict);
        }

        if (NoReplicaSet(api) is { } conflict)
        {
            return conflict;
        }

        var wanted = request.Replicas!.Value;
        if (wanted < api.MinReplicas || wanted > api.MaxReplicas)
        {
            return Results.Text(
                string.Create(CultureInfo.InvariantCulture, $"replicas = {wanted} is outside the scaler's limits {api.MinReplicas}..{api.MaxReplicas} (min and max replicas)"),
                statusCode: StatusCodes.Status400BadRequest);
        }

        var target = api.Target!;
        var previous = await target.GetCurrentReplicasAsync(context.RequestAborted);
        var result = await target.ScaleAsync(wanted, context.RequestAborted);
        var logger = loggers.CreateLogger("Autoscaler.Scaler.Replicas");
        if (!result.Succeeded)
        {
            LogFailed(logger, previous, wanted, result.Message);
            return Results.Text($"the replica set did not reach {wanted}: {result.Message}", statusCode: StatusCodes.Status500InternalServerError);
        }

        state.RecordReplicas(result.Replicas);
        if (loop.Paused is { Replicas: { } held } pause && held != result.Replicas)
        {
            LogSetWhilePaused(logger, previous, result.Replicas, pause.ToString());
        }
        else
        {
            LogSet(logger, previous, result.Replicas);
        }

        return Results.Json(new ReplicaCount(result.Replicas, previous, previous != result.Replicas, api.MinReplicas, api.MaxReplicas, loop.Paused), ScalerHost.Json);
    }

    /// <summary>403 when the API (<paramref name="what"/>) is off, 401 without the token; null when the request may go on.</summary>
    internal static IResult? Refused(HttpContext context, ScalerOptions options, string what = "the replica API")
    {
        if (options.ApiToken is not { Length: > 0 } token)
        {
            return Results.Text($"{what} is off: start the scaler with --api-token TOKEN or --api-token-file FILE (Scaler:ApiToken) to use it", statusCode: StatusCodes.Status403Forbidden);
        }

        return BearerToken.Challenge(context, token, "Scaler:ApiToken");
    }

    private static IResult? NoReplicaSet(ReplicaApi api) => api.Target is null
        ? Results.Text("this scaler has no replica set of its own to set (its target runs elsewhere); scale through that target instead, or pause the loop with {\"replicas\": N, \"pause\": true}", statusCode: StatusCodes.Status409Conflict)
        : null;

    /// <summary>
    /// Reads <c>{"replicas": N}</c> or <c>{"replicas": N, "pause": true}</c> (with a pause, <c>replicas</c> may be left
    /// out: the current count is held): an object with only those fields, N a whole number, pause true or false.
    /// </summary>
    internal static bool TryParse(ReadOnlyMemory<byte> body, out ReplicaRequest request, out string error)
    {
        request = default;
        const string Expected = "send a JSON object like {\"replicas\": 3} or {\"replicas\": 3, \"pause\": true}";
        using var doc = JsonBody.ReadObject(body, ["replicas", "pause"], Expected, out error);
        if (doc is null)
        {
            return false;
        }

        var root = doc.RootElement;
        bool? pause = null;
        if (root.TryGetProperty("pause", out var flag))
        {
            if (flag.ValueKind is not JsonValueKind.True and not JsonValueKind.False)
            {
                error = $"'pause' must be true or false, not {(flag.ValueKind == JsonValueKind.Number ? flag.GetRawText() : JsonKind.Of(flag))}";
                return false;
            }

            pause = flag.GetBoolean();
        }

        int? replicas = null;
        if (root.TryGetProperty("replicas", out var value))
        {
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var count))
            {
                error = $"'replicas' must be a whole number, not {(value.ValueKind == JsonValueKind.Number ? value.GetRawText() : JsonKind.Of(value))}";
                return false;
            }

            replicas = count;
        }
        else if (pause != true)
        {
            error = $"missing 'replicas'; {Expected}";
            return false;
        }

        request = new ReplicaRequest(replicas, pause);
        error = "";
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica count set through the API: {Previous} -> {Replicas}")]
    private static partial void LogSet(ILogger logger, int previous, int replicas);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica count set through the API: {Previous} -> {Replicas}, while {Pause}: the next evaluation returns to the paused count")]
    private static partial void LogSetWhilePaused(ILogger logger, int previous, int replicas, string pause);

    [LoggerMessage(Level = LogLevel.Error, Message = "Setting the replica count through the API from {Previous} to {Wanted} failed: {Message}")]
    private static partial void LogFailed(ILogger logger, int previous, int wanted, string message);
}
