using System.Text;
using SharpTun.Host;
using SharpTun.Interop;

namespace SharpTun.Tun;

/// <summary>
/// A Linux TUN device (IFF_TUN | IFF_NO_PI: whole IP packets, no extra header) with one or more
/// queues. The device lives in the network namespace of the thread that calls
/// <see cref="Create"/>. Disposing closes every queue; a device that is not persistent then
/// disappears, with its addresses and routes.
/// </summary>
public sealed class LinuxTunDevice : IDisposable
{
    /// <summary>The TUN/TAP clone device.</summary>
    public const string CloneDevicePath = "/dev/net/tun";

    private readonly LinuxTunQueue[] _queues;

    private LinuxTunDevice(string name, int ifIndex, LinuxTunQueue[] queues, bool offload)
    {
        Name = name;
        Offload = offload;
        IfIndex = ifIndex;
        _queues = queues;
    }

    /// <summary>The real interface name (the kernel's choice when a pattern like <c>st%d</c> was given).</summary>
    public string Name { get; }

    /// <summary>Opened with <see cref="TunOptions.Offload"/>: packets carry a <see cref="VirtioNetHeader"/>.</summary>
    public bool Offload { get; }

    /// <summary>The interface index.</summary>
    public int IfIndex { get; }

    /// <summary>One queue per file descriptor; give each its own reader thread.</summary>
    public IReadOnlyList<ITunQueue> Queues => _queues;

    /// <summary>
    /// Creates the device, or attaches to an existing TUN device of that name (a persistent one,
    /// or another queue of a multi-queue one). Throws <see cref="ArgumentException"/> for a bad
    /// name or queue count and <see cref="InteropException"/> with the cause and the fix when the
    /// kernel refuses.
    /// </summary>
    public static LinuxTunDevice Create(TunOptions options) => Create(options, CloneDevicePath);

    /// <summary><see cref="Create(TunOptions)"/> with another clone device path (tests use a missing one).</summary>
    internal static LinuxTunDevice Create(TunOptions options, string cloneDevicePath)
    {
        ArgumentNullException.ThrowIfNull(options);
        TunName.Validate(options.Name);
        if (options.Queues is < 1 or > TunOptions.MaxQueues)
            throw new ArgumentOutOfRangeException(nameof(options), options.Queues, $"a TUN device has 1 to {TunOptions.MaxQueues} queues");

        var flags = (short)(TunIoctl.IFF_TUN | TunIoctl.IFF_NO_PI | (options.Queues > 1 ? TunIoctl.IFF_MULTI_QUEUE : 0)
            | (options.Offload ? TunIoctl.IFF_VNET_HDR : 0));
        var queues = new LinuxTunQueue[options.Queues];
        var created = 0;
        var name = options.Name;
        try
        {
            for (; created < queues.Length; created++)
            {
                var fd = OpenCloneDevice(cloneDevicePath);
                name = Attach(fd, name, flags, options.Queues);
                queues[created] = new LinuxTunQueue(fd, name, options.BusyPoll, options.Offload);
                if (options.Offload)
                    EnableOffload(fd, name);
            }
            // Owner, group and persistence are set after the first attach so that a crash in
            // between leaves no device behind.
            var first = queues[0].Handle;
            if (options.Owner is { } owner)
                Errno.ThrowIfFailed(Libc.Ioctl(first, TunIoctl.TUNSETOWNER, (nint)owner), $"TUNSETOWNER {owner} on '{name}'");
            if (options.Group is { } group)
                Errno.ThrowIfFailed(Libc.Ioctl(first, TunIoctl.TUNSETGROUP, (nint)group), $"TUNSETGROUP {group} on '{name}'");
            var device = new LinuxTunDevice(name, IndexOf(name), queues, options.Offload);
            if (options.Persist)
                device.SetPersistent(true);
            return device;
        }
        catch
        {
            for (var i = 0; i < created; i++)
                queues[i].Dispose();
            throw;
        }
    }

    /// <summary>
    /// Deletes the TUN device <paramref name="name"/> in the calling thread's network namespace,
    /// persistent or not (RTM_DELLINK, like <c>ip link del</c>: TUN registers rtnl_link_ops, so the
    /// generic delete works and also detaches any open queues, which then read EBADFD).
    /// Throws <see cref="InteropException"/> (ENODEV) when there is no such link and
    /// <see cref="ArgumentException"/> when the link is not a TUN.
    /// </summary>
    public static void Delete(string name)
    {
        TunName.Validate(name);
        using var netlink = RtNetlink.Open();
        var link = netlink.GetLink(name);
        if (link.Kind != "tun")
            throw new ArgumentException($"'{name}' is a {link.Kind ?? "non-TUN"} link, not a TUN device; refusing to delete it", nameof(name));
        netlink.DeleteLink(name);
    }

    /// <summary>Makes the device outlive its file descriptors (true) or not (false): TUNSETPERSIST.</summary>
    public void SetPersistent(bool persistent) =>
        Errno.ThrowIfFailed(Libc.Ioctl(_queues[0].Handle, TunIoctl.TUNSETPERSIST, persistent ? 1 : 0), $"TUNSETPERSIST {(persistent ? 1 : 0)} on '{Name}'");

    public void Dispose()
    {
        foreach (var queue in _queues)
            queue.Dispose();
    }

    /// <summary>
    /// Little-endian offload headers (TUNSETVNETLE, so the layout does not depend on the host), then
    /// TUNSETOFFLOAD: the device may hand us partial checksums and TCP super-packets over IPv4 and
    /// IPv6 (drivers/net/tun.c set_offload turns these into NETIF_F_HW_CSUM and NETIF_F_TSO/TSO6).
    /// </summary>
    private static void EnableOffload(FileDescriptorHandle fd, string name)
    {
        Span<byte> littleEndian = stackalloc byte[sizeof(int)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(littleEndian, 1);
        Errno.ThrowIfFailed(Libc.Ioctl(fd, TunIoctl.TUNSETVNETLE, littleEndian), $"TUNSETVNETLE on '{name}'");
        Errno.ThrowIfFailed(Libc.Ioctl(fd, TunIoctl.TUNSETOFFLOAD, (nint)(TunIoctl.TUN_F_CSUM | TunIoctl.TUN_F_TSO4 | TunIoctl.TUN_F_TSO6)),
            $"TUNSETOFFLOAD on '{name}'");
    }

    private static FileDescriptorHandle OpenCloneDevice(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        var fd = Libc.Open(bytes, Libc.O_RDWR | Libc.O_CLOEXEC | Libc.O_NONBLOCK);
        Errno.ThrowIfFailed(fd, $"open {path}", static e => e switch
        {
            Errno.ENOENT => "load the tun module (modprobe tun); in a container, map the device (--device /dev/net/tun)",
            Errno.ENODEV or Errno.ENXIO => "the tun module is not available in this kernel (modprobe tun)",
            _ => Errno.CommonHint(e),
        });
        return new FileDescriptorHandle(fd);
    }

    /// <summary>TUNSETIFF; returns the name the kernel wrote back. Closes <paramref name="fd"/> on failure.</summary>
    private static string Attach(FileDescriptorHandle fd, string name, short flags, int queues)
    {
        Span<byte> ifreq = stackalloc byte[TunIoctl.IfReqSize];
        TunIoctl.WriteIfReq(ifreq, name, flags);
        if (Libc.Ioctl(fd, TunIoctl.TUNSETIFF, ifreq) < 0)
        {
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            fd.Dispose();
            throw new InteropException($"TUNSETIFF '{name}'", errno, hint: ExplainAttachFailure(errno, name, queues));
        }
        return TunIoctl.ReadName(ifreq);
    }

    /// <summary>
    /// Why TUNSETIFF failed, from what tun_set_iff() checks (drivers/net/tun.c) and what exists
    /// under that name now: EBUSY means a single-queue TUN of that name already has its one fd
    /// attached; EINVAL means the name belongs to a link that is not a TUN, or to a TAP, or to a TUN
    /// whose multi-queue flag differs from ours; EPERM means no CAP_NET_ADMIN (or a persistent
    /// device owned by another user).
    /// </summary>
    private static string? ExplainAttachFailure(int errno, string name, int queues)
    {
        if (errno is Errno.EPERM or Errno.EACCES)
            return "run as root or grant CAP_NET_ADMIN; a persistent device owned by another user/group (TUNSETOWNER) also refuses";
        if (errno is not (Errno.EBUSY or Errno.EINVAL) || TunName.IsPattern(name))
            return Errno.CommonHint(errno);
        NetworkLink? existing;
        try
        {
            using var netlink = RtNetlink.Open();
            existing = netlink.FindLink(name);
        }
        catch (InteropException)
        {
            // The diagnosis is a bonus; the TUNSETIFF errno is still reported.
            return Errno.CommonHint(errno);
        }
        return existing switch
        {
            null => errno == Errno.EINVAL ? "the kernel rejected the interface name or flags" : null,
            { Kind: not "tun" } => $"a link named '{name}' already exists and is {(existing.Kind is null ? "not a TUN device" : $"a '{existing.Kind}' device, not a TUN")}; delete it (ip link del {name}) or choose another name",
            { Tun.IsTap: true } => $"'{name}' is an existing TAP device; SharpTun needs a TUN: delete it or choose another name",
            { Tun.MultiQueue: var multi } when multi != queues > 1 =>
                $"a TUN device named '{name}' already exists with multi_queue {(multi ? "on" : "off")}, but {queues} queue(s) were requested; match it or delete it (ip link del {name})",
            _ when errno == Errno.EBUSY => $"a TUN device named '{name}' already exists and is in use (single-queue, already attached); stop its owner or choose another name",
            _ => null,
        };
    }

    private static int IndexOf(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name + "\0");
        var index = Libc.IfNameToIndex(bytes);
        if (index == 0)
            Errno.Throw(System.Runtime.InteropServices.Marshal.GetLastPInvokeError(), $"if_nametoindex '{name}'");
        return (int)index;
    }
}
