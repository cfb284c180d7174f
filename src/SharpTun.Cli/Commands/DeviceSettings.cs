using SharpTun.Host;
using SharpTun.Interop;
using SharpTun.Tun;

namespace SharpTun.Cli.Commands;

/// <summary>A TUN device as the user asked for it on the command line.</summary>
public sealed record DeviceSettings(string Name, IReadOnlyList<InterfaceAddress> Addresses, int? Mtu, int Queues)
{
    public TunOptions ToTunOptions(bool persist) => new() { Name = Name, Queues = Queues, Persist = persist };

    /// <summary>
    /// Sets the MTU, adds the addresses and brings the link up, in that order, each journaled.
    /// An address the device already has (a persistent device set up earlier) is fine as it is.
    /// </summary>
    public void Apply(HostChanges changes, string deviceName)
    {
        if (Mtu is { } mtu)
            changes.SetMtu(deviceName, mtu);
        foreach (var address in Addresses)
        {
            try
            {
                changes.AddAddress(deviceName, address);
            }
            catch (InteropException e) when (e.Errno == Errno.EEXIST)
            {
            }
        }
        changes.SetLinkUp(deviceName, up: true);
    }

    public string Describe(string deviceName, int mtu) =>
        $"{deviceName} (mtu {mtu}, {Queues} queue{(Queues == 1 ? "" : "s")}{(Addresses.Count == 0 ? "" : ", " + string.Join(", ", Addresses))})";
}
