using System.Runtime.InteropServices;
using System.Net.Sockets;
using System.Text;

namespace SharpTun.Proxy.Outbounds;

/// <summary>
/// Loop prevention for outbound sockets: the firewall mark (SO_MARK, so a policy-routing rule sends
/// the socket's packets around the TUN) and/or the interface the socket is bound to
/// (SO_BINDTODEVICE). Every socket an outbound opens goes through <see cref="Apply"/> before connect.
/// Both options need CAP_NET_ADMIN (SO_MARK) or CAP_NET_RAW (SO_BINDTODEVICE) on Linux.
/// </summary>
public sealed record OutboundSocketOptions
{
    /// <summary>Longest interface name: IFNAMSIZ is 16 bytes with the terminating NUL.</summary>
    public const int MaxInterfaceNameLength = 15;

    private const int SolSocket = 1;
    private const int SoMark = 36;
    private const int SoBindToDevice = 25;

    /// <summary>No mark, no bound interface.</summary>
    public static readonly OutboundSocketOptions None = new();

    private readonly string? _interfaceName;

    /// <summary>The fwmark to set, or null for none.</summary>
    public uint? FirewallMark { get; init; }

    /// <summary>The interface to bind to ("eth0"), or null for none. At most 15 ASCII bytes.</summary>
    public string? InterfaceName
    {
        get => _interfaceName;
        init
        {
            if (value is not null && (value.Length is 0 or > MaxInterfaceNameLength || !Ascii.IsValid(value) || value.AsSpan().IndexOfAny("/ \0") >= 0))
                throw new ArgumentException($"interface name '{value}' is not valid (1-{MaxInterfaceNameLength} ASCII characters, no '/', space or NUL)", nameof(value));
            _interfaceName = value;
        }
    }

    /// <summary>
    /// Sets the configured options on <paramref name="socket"/>. Throws <see cref="SocketException"/>
    /// when the kernel refuses (EPERM without the capability, ENODEV for an unknown interface);
    /// outbounds turn that into a <see cref="OutboundError.NetworkError"/> result naming the option.
    /// </summary>
    public void Apply(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (FirewallMark is { } mark)
        {
            Span<byte> value = stackalloc byte[sizeof(uint)];
            MemoryMarshal.Write(value, in mark); // an int in host byte order, as setsockopt expects
            socket.SetRawSocketOption(SolSocket, SoMark, value);
        }
        if (_interfaceName is { } name)
        {
            Span<byte> value = stackalloc byte[MaxInterfaceNameLength + 1];
            value.Clear();
            var length = Encoding.ASCII.GetBytes(name, value);
            socket.SetRawSocketOption(SolSocket, SoBindToDevice, value[..(length + 1)]);
        }
    }

    /// <summary>Text for error messages: "fwmark 0x1, interface eth0", or "no socket options".</summary>
    public override string ToString() =>
        (FirewallMark, _interfaceName) switch
        {
            (null, null) => "no socket options",
            ({ } m, null) => $"fwmark 0x{m:x}",
            (null, { } i) => $"interface {i}",
            ({ } m, { } i) => $"fwmark 0x{m:x}, interface {i}",
        };
}
