using Autoscaler.Scaler.Console;

namespace Autoscaler.Scaler.Tests.Console;

public sealed class ConsoleAccessTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("http://127.0.0.2:8080", true)]
    [InlineData("http://localhost:8080", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://10.1.2.3:8080", false)]
    public void Loopback_is_127_0_0_0_8_localhost_and_the_ipv6_one(string address, bool loopback) =>
        Assert.Equal(loopback, ConsoleAccess.IsLoopback(address));
}
