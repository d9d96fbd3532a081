using Autoscaler.Prometheus.Api;
using Autoscaler.Prometheus.History;
using Autoscaler.Scaler.Console;
using Autoscaler.Simulation.Reports;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;

namespace Autoscaler.Cli.Commands;

/// <summary>
/// The console's "simulate this policy on the last N hours": what <c>autoscaler replay</c> does (the same fetch and
/// scenario, the same runner and files), with the service's own policy, through the scaler's Prometheus client.
/// </summary>
internal sealed class ReplayRunner(PrometheusClient client, TimeProvider time) : IReplayRunner
{
    // Shares of the progress bar: reading the history is quick, simulating is most of it, the charts take the rest.
    private const double Fetched = 0.05, Simulated = 0.9;

    public async Task RunAsync(ReplayRequest request, IProgress<ReplayProgress> progress, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var run = PolicyName(request.Service);
        Scenario scenario;
        try
        {
            var window = ReplayCommand.HistoryWindow.Checked(now - request.Window, now, step: null);
            scenario = await ReplayCommand.HistoryScenarioAsync(
                client, request.Query, window, fromFile: null, seed: null,
                s => s with { Name = $"replay-{request.Service}", Policies = [new PolicyChoice(run, request.Policy)] },
                line => progress.Report(new ReplayProgress(0, line)), cancellationToken, fromFirstPoint: true);
        }
        catch (Exception e) when (e is ScenarioException or DemandHistoryException)
        {
            throw new ReplayException(e.Message, e);
        }

        progress.Report(new ReplayProgress(Fetched, $"simulating {run} and the oracle"));
        var simulating = new Share(progress, Fetched, Simulated, $"simulating {run} and the oracle");
        SimulationResult result;
        try
        {
            result = await Task.Run(() => SimulationRunner.Run(scenario, simulating, time, cancellationToken), cancellationToken);
        }
        catch (ScenarioException e)
        {
            throw new ReplayException($"the simulator cannot run the policy of {request.Service}: {e.Message}", e);
        }

        cancellationToken.ThrowIfCancellationRequested();
        progress.Report(new ReplayProgress(Simulated, "writing the report"));
        try
        {
            await Task.Run(() => SimulateCommand.WriteFiles(result, request.OutputDirectory), cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ReportOutputException)
        {
            throw new ReplayException($"cannot write the report to {request.OutputDirectory}: {e.Message}", e);
        }
    }

    /// <summary>The service's policy's name in the report: never the oracle's.</summary>
    internal static string PolicyName(string service) => $"{service}-policy";

    // The runner's 0..1 as a part of the job's progress.
    private sealed class Share(IProgress<ReplayProgress> progress, double from, double to, string message) : IProgress<double>
    {
        public void Report(double value) => progress.Report(new ReplayProgress(from + ((to - from) * Math.Clamp(value, 0, 1)), message));
    }
}
