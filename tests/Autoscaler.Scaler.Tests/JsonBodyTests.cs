using Autoscaler.Scaler.Console;

namespace Autoscaler.Scaler.Tests;

/// <summary>The API's one reader of JSON bodies, through the console's dry-run toggle (the other handlers' own tests cover theirs).</summary>
public sealed class JsonBodyTests
{
    [Theory]
    [InlineData("""{"dryRun": true}""", true)]
    [InlineData("""{"dryRun": false}""", false)]
    public void A_well_formed_body_is_read(string body, bool expected)
    {
        Assert.True(ConsoleApi.TryParseDryRun(System.Text.Encoding.UTF8.GetBytes(body), out var dryRun, out var error), error);
        Assert.Equal(expected, dryRun);
    }

    [Theory]
    [InlineData("yes", "the body is not JSON (")]
    [InlineData("", "the body is not JSON (")]
    [InlineData("[true]", "the body must be a JSON object, not an array")]
    [InlineData("\"on\"", "the body must be a JSON object, not a string")]
    [InlineData("""{"dryRun": true, "force": 1}""", "unknown field \"force\" (accepted: dryRun)")]
    [InlineData("{}", "\"dryRun\" is missing")]
    [InlineData("""{"dryRun": null}""", "\"dryRun\" is null")]
    public void A_bad_body_is_refused_naming_the_problem_and_what_to_send(string body, string expected)
    {
        Assert.False(ConsoleApi.TryParseDryRun(System.Text.Encoding.UTF8.GetBytes(body), out _, out var error));
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.EndsWith("send a JSON object {\"dryRun\": true} or {\"dryRun\": false}", error, StringComparison.Ordinal);
    }
}
