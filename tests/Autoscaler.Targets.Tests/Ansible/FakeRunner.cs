using Autoscaler.Targets.Ansible;

namespace Autoscaler.Targets.Tests.Ansible;

/// <summary>Stands in for ansible-playbook where the test is about the target's own logic (the circuit, the command line).</summary>
internal sealed class FakeRunner(TimeProvider time) : IPlaybookRunner
{
    public List<(DateTimeOffset At, PlaybookCommand Command)> Runs { get; } = [];

    /// <summary>What the next runs return; the default is a failing task.</summary>
    public Func<PlaybookCommand, PlaybookRun> Result { get; set; } = _ => Failing("Set the replica count", "the scaler said no");

    public Task<PlaybookRun> RunAsync(PlaybookCommand command, CancellationToken cancellationToken)
    {
        Runs.Add((time.GetUtcNow(), command));
        return Task.FromResult(Result(command));
    }

    public static PlaybookRun Failing(string task, string message) => new(2,
    [
        "",
        "PLAY [Set the replica count of a running autoscaler] ***************************",
        "",
        $"TASK [{task}] *****************************************************",
        $"fatal: [localhost]: FAILED! => {{\"changed\": false, \"msg\": \"{message}\"}}",
        "",
        "PLAY RECAP *********************************************************************",
        "localhost                  : ok=2    changed=0    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0",
    ], TimeSpan.FromSeconds(1));

    public static PlaybookRun Succeeding(int changed = 1) => new(0,
    [
        "TASK [Set the replica count] ***************************************************",
        changed > 0 ? "changed: [localhost]" : "ok: [localhost]",
        "",
        "PLAY RECAP *********************************************************************",
        $"localhost                  : ok=4    changed={changed}    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0",
    ], TimeSpan.FromSeconds(1));
}
