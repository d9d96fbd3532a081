using Autoscaler.Cli.Composition;
using Autoscaler.Targets.Ansible;

namespace Autoscaler.Cli.Tests.Composition;

/// <summary>How <c>--target ansible</c> words what is missing before anything starts.</summary>
public sealed class AnsibleTargetFactoryTests : IDisposable
{
    private const string InstallHint = "install Ansible with `apt-get install ansible-core` (macOS: `brew install ansible`)";
    private readonly string _dir = Directory.CreateTempSubdirectory("autoscaler-ansible-factory").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Shipped => Path.Combine(_dir, "deploy", "ansible", "playbook-scale-local.yml");

    [Fact]
    public void With_both_ansible_playbook_and_the_shipped_playbook_missing_each_gets_its_own_message()
    {
        var options = new AnsibleTargetOptions { BinaryPath = "ansible-playbook-missing", Playbook = Shipped };

        var problems = AnsibleTargetFactory.Problems(options, Shipped).ToList();

        Assert.Equal(
        [
            $"--target ansible: cannot find ansible-playbook-missing on PATH; {InstallHint}",
            $"the shipped playbook {Shipped} is missing next to the binary; rebuild with scripts/build.sh, or pass --playbook FILE",
        ], problems);
    }

    [Fact]
    public void A_missing_shipped_playbook_alone_is_reported_as_a_broken_install()
    {
        var options = new AnsibleTargetOptions { BinaryPath = Executable(), Playbook = Shipped };

        var problem = Assert.Single(AnsibleTargetFactory.Problems(options, Shipped));

        Assert.Equal($"the shipped playbook {Shipped} is missing next to the binary; rebuild with scripts/build.sh, or pass --playbook FILE", problem);
    }

    [Fact]
    public void A_missing_playbook_of_the_users_is_reported_as_a_wrong_flag()
    {
        var mine = Path.Combine(_dir, "mine.yml");
        var options = new AnsibleTargetOptions { BinaryPath = Executable(), Playbook = mine };

        var problem = Assert.Single(AnsibleTargetFactory.Problems(options, Shipped));

        Assert.StartsWith($"--target ansible: the playbook {mine} does not exist; check --playbook", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_is_reported_when_both_are_there()
    {
        File.WriteAllText(Path.Combine(_dir, "mine.yml"), "- hosts: localhost\n  tasks: []\n");
        var options = new AnsibleTargetOptions { BinaryPath = Executable(), Playbook = Path.Combine(_dir, "mine.yml") };

        Assert.Empty(AnsibleTargetFactory.Problems(options, Shipped));
    }

    /// <summary>A stand-in ansible-playbook: present and executable, never run.</summary>
    private string Executable()
    {
        var path = Path.Combine(_dir, "ansible-playbook");
        File.WriteAllText(path, "#!/bin/sh\nexit 99\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }
}
