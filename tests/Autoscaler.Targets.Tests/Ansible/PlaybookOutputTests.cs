using Autoscaler.Targets.Ansible;

namespace Autoscaler.Targets.Tests.Ansible;

public sealed class PlaybookOutputTests
{
    [Fact]
    public void A_failed_command_gives_its_message_and_the_last_line_of_its_stderr()
    {
        string[] lines =
        [
            "TASK [Scale webapp] ************************************************************",
            """fatal: [localhost]: FAILED! => {"changed": true, "cmd": "docker compose up -d", "msg": "non-zero return code", "rc": 1, "stderr": "time=x level=warning\nno such service: webapp", "stdout": ""}""",
        ];

        Assert.Equal("task \"Scale webapp\" failed on localhost: non-zero return code: no such service: webapp", PlaybookOutput.Failure(lines));
    }

    [Fact]
    public void An_ignored_failure_is_passed_over_for_the_one_that_stopped_the_play()
    {
        string[] lines =
        [
            "TASK [Probe] ***", """fatal: [localhost]: FAILED! => {"msg": "probe failed"}""", "...ignoring",
            "TASK [Loop] ***", """failed: [localhost] (item=b) => {"ansible_loop_var": "item", "item": "b", "msg": "b is broken"}""",
        ];

        Assert.Equal("task \"Loop\" failed on localhost (item b): b is broken", PlaybookOutput.Failure(lines));
    }

    [Fact]
    public void An_unreachable_host_is_named()
    {
        string[] lines = ["TASK [Gathering Facts] ***", """fatal: [web1]: UNREACHABLE! => {"changed": false, "msg": "Failed to connect to the host via ssh", "unreachable": true}"""];

        Assert.Equal("task \"Gathering Facts\" could not reach web1: Failed to connect to the host via ssh", PlaybookOutput.Failure(lines));
    }

    [Fact]
    public void Ansibles_own_error_is_given_with_where_it_points()
    {
        string[] lines =
        [
            "ERROR! couldn't resolve module/action 'ansible.builtin.nope'. This often indicates a misspelling, missing collection, or incorrect module path.",
            "",
            "The error appears to be in '/srv/scale.yml': line 6, column 7, but may",
            "be elsewhere in the file depending on the exact syntax problem.",
        ];

        Assert.Equal(
            "couldn't resolve module/action 'ansible.builtin.nope'. This often indicates a misspelling, missing collection, or incorrect module path. (at /srv/scale.yml:6)",
            PlaybookOutput.Failure(lines));
    }

    [Fact]
    public void The_recap_is_summed_over_hosts()
    {
        string[] lines =
        [
            "PLAY RECAP *********************************************************************",
            "web1                       : ok=3    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0",
            "web2                       : ok=2    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0",
        ];

        Assert.Equal((5, 1, 1), PlaybookOutput.Recap(lines));
        Assert.Null(PlaybookOutput.Failure(lines));
    }
}
