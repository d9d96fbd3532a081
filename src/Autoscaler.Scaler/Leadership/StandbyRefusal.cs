using Microsoft.AspNetCore.Http;

namespace Autoscaler.Scaler.Leadership;

/// <summary>
/// A standby serves read-only status: setting the count or pausing there would either change the target behind the
/// leader's back or pause a loop that does not act, so those requests get 409 and the leader's name.
/// </summary>
internal static class StandbyRefusal
{
    public static IResult? For(ILeadership leadership, TimeProvider time)
    {
        var now = time.GetUtcNow();
        if (leadership.CanAct(now))
        {
            return null;
        }

        var why = Leaders.StandbyReason(leadership, now)["standby: ".Length..];
        return Results.Text(
            $"this scaler ({leadership.Identity}) is a standby and serves read-only status: {why}; send the request to the leader",
            statusCode: StatusCodes.Status409Conflict);
    }
}
