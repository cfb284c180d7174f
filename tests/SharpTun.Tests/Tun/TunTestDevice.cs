using SharpTun.TestSupport;
using SharpTun.Tun;

namespace SharpTun.Tests.Tun;

/// <summary>Creates a TUN "st0" with 10.0.0.1/24, up, inside a namespace (call from RunInside).</summary>
internal static class TunTestDevice
{
    public static LinuxTunDevice CreateUp(TestNamespace ns, int queues = 1)
    {
        var device = LinuxTunDevice.Create(new TunOptions { Name = "st0", Queues = queues });
        ns.Ip("addr add 10.0.0.1/24 dev st0");
        ns.Ip("link set st0 up");
        return device;
    }

    /// <summary>Reads until a packet matching <paramref name="match"/> arrives (skipping IPv6 router solicitations and the like).</summary>
    public static PacketBuffer ReadUntil(ITunQueue queue, PacketBuffer[] buffers, Func<PacketBuffer, bool> match)
    {
        while (true)
        {
            var count = queue.Read(buffers);
            Assert.NotEqual(0, count);
            for (var i = 0; i < count; i++)
            {
                if (match(buffers[i]))
                    return buffers[i];
            }
        }
    }
}
