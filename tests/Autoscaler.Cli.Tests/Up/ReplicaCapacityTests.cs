using Autoscaler.Cli.Commands;
using Autoscaler.WebApp;

namespace Autoscaler.Cli.Tests.Up;

public sealed class ReplicaCapacityTests
{
    [Fact]
    public void Is_the_replicas_workers_and_queue_by_default()
    {
        Assert.Equal(104, UpCommand.ReplicaCapacity(new WebAppOptions(), []));
    }

    [Fact]
    public void Follows_the_configuration_the_replicas_inherit_then_their_flags_in_either_spelling()
    {
        var configured = new WebAppOptions { Workers = 8, QueueLimit = 50 };

        Assert.Equal(58, UpCommand.ReplicaCapacity(configured, ["--service-time", "50ms"]));
        Assert.Equal(16 + 50, UpCommand.ReplicaCapacity(configured, ["--workers", "16"]));
        Assert.Equal(8 + 200, UpCommand.ReplicaCapacity(configured, ["--queue-limit=200", "--seed", "3"]));
        Assert.Equal(2 + 0, UpCommand.ReplicaCapacity(configured, ["--workers=2", "--queue-limit", "0"]));
    }
}
