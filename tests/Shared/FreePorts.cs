using System.Net;
using System.Net.Sockets;

namespace Autoscaler.Testing;

/// <summary>Ports for tests that must name a port before starting a program on it.</summary>
public static class FreePorts
{
    /// <summary>A port the OS just handed out on 127.0.0.1 and released again.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
