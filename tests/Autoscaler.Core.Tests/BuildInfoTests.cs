namespace Autoscaler.Core.Tests;

public sealed class BuildInfoTests
{
    [Fact]
    public void The_version_is_the_one_the_build_sets_and_the_description_adds_the_commit_when_known()
    {
        Assert.Matches(@"^\d+\.\d+\.\d+$", BuildInfo.Version);
        Assert.NotEqual("1.0.0", BuildInfo.Version); // the SDK's default: Directory.Build.props did not set one
        if (BuildInfo.Commit.Length == 0)
        {
            Assert.Equal(BuildInfo.Version, BuildInfo.Description);
        }
        else
        {
            Assert.Matches("^[0-9a-f]{40}$", BuildInfo.Commit);
            Assert.Equal($"{BuildInfo.Version}+{BuildInfo.Commit[..12]}", BuildInfo.Description);
        }
    }
}
