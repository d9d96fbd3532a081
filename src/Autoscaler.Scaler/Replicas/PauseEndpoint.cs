using System.Globalization;
using Autoscaler.Core.Pipeline;
using Autoscaler.Scaler.Leadership;
using Microsoft.AspNetCore.Http;

namespace Autoscaler.Scaler.Replicas;

/// <summary>Response of <c>DELETE /api/v1/pause</c>.</summary>
/// <param name="Resumed">The pause that ended.</param>
/// <param name="Replicas">The count after the evaluation that ran at once; null when the target could not be read.</param>
/// <param name="DesiredReplicas">What the policy chose in that evaluation; null when it could not decide.</param>
/// <param name="Reason">Why, in one phrase; null when it could not decide.</param>
public sealed record ResumeResult(ScalingPause Resumed, int? Replicas, int? DesiredReplicas, string? Reason);

/// <summary>
/// Pausing and resuming the loop (KEDA's <c>autoscaling.keda.sh/paused-replicas</c>, through the API): <c>PUT
/// /api/v1/replicas</c> with <c>"pause": true</c> comes here, and <c>DELETE /api/v1/pause</c> ends the pause. Both
/// need the API token; both work whatever the loop's target is, since the loop itself moves it.
/// </summary>
internal static class PauseEndpoint
{
    public const string Path = "/api/v1/pause";

    public static async Task<IResult> PauseAsync(HttpContext context, ReplicaApi api, ScalerLoop loop, int? replicas)
    {
        // As KEDA's paused-replicas, a pause may go below the minimum (0 for maintenance), never above the maximum.
        if (replicas is { } n && (n < 0 || n > api.MaxReplicas))
        {
            return Results.Text(
                string.Create(CultureInfo.InvariantCulture, $"replicas = {n} is outside 0..{api.MaxReplicas}: a pause may hold any count from 0 up to the scaler's max replicas"),
                statusCode: StatusCodes.Status400BadRequest);
        }

        var (entry, error) = await loop.PauseAsync(replicas, context.RequestAborted);
        if (error is not null)
        {
            return Results.Text($"not paused: {error}", statusCode: StatusCodes.Status500InternalServerError);
        }

        var decision = entry!.Decision;
        var now = entry.Action is { Succeeded: true } action ? action.Replicas : decision.CurrentReplicas;
        return Results.Json(
            new ReplicaCount(now, decision.CurrentReplicas, now != decision.CurrentReplicas, api.MinReplicas, api.MaxReplicas, loop.Paused),
            ScalerHost.Json);
    }

    public static async Task<IResult> DeleteAsync(HttpContext context, ScalerOptions options, Fleet.ScalerService service)
    {
        var loop = service.Loop;
        if ((ReplicaEndpoint.Refused(context, options) ?? StandbyRefusal.For(service.Leadership, service.Time)) is { } refused)
        {
            return refused;
        }

        var (resumed, entry) = await loop.ResumeAsync(context.RequestAborted);
        if (resumed is null)
        {
            return Results.Text(
                "the scaler is not paused: nothing to resume (PUT /api/v1/replicas with {\"replicas\": N, \"pause\": true} pauses it)",
                statusCode: StatusCodes.Status409Conflict);
        }

        var decision = entry?.Decision;
        var now = entry?.Action is { Succeeded: true } action ? action.Replicas : decision?.CurrentReplicas;
        return Results.Json(new ResumeResult(resumed, now, decision?.DesiredReplicas, decision?.Reason), ScalerHost.Json);
    }
}
