using System.Net;
using System.Net.Sockets;

namespace Autoscaler.Targets.Local;

/// <summary>Checks ports on 127.0.0.1 before something is started on them.</summary>
public static class LoopbackPorts
{
    /// <summary>True when a listener could bind <paramref name="port"/> on 127.0.0.1 right now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
