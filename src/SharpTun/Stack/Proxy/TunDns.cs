using System.Net;
using SharpTun.Dns;
using SharpTun.Stack.Nat;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// The DNS server a <see cref="TunProxy"/> answers with: UDP queries are answered on the TUN (at
/// once when the answer needs no upstream), TCP queries go to <see cref="TcpEndPoint"/>.
/// </summary>
public sealed class TunDns
{
    private readonly NatEndpoint? _ipv4, _ipv6;

    /// <param name="server">Answers the queries.</param>
    /// <param name="tcpEndPoint">Where DNS over TCP is served (a <see cref="DnsTcpListener"/> in SharpTun's namespace).</param>
    /// <param name="addresses">The resolver addresses apps are told to use (inside the TUN's subnet, not the device's own).</param>
    /// <param name="hijack">Also answer queries to port 53 of any other address.</param>
    public TunDns(DnsServer server, IPEndPoint tcpEndPoint, IEnumerable<IPAddress> addresses, bool hijack)
    {
        Server = server;
        TcpEndPoint = tcpEndPoint;
        Hijack = hijack;
        foreach (var address in addresses)
        {
            var endpoint = NatEndpoint.FromIPAddress(address, Port);
            if (endpoint.IsIPv6)
                _ipv6 = endpoint;
            else
                _ipv4 = endpoint;
        }
    }

    /// <summary>DNS's port.</summary>
    public const ushort Port = 53;

    public DnsServer Server { get; }

    public IPEndPoint TcpEndPoint { get; }

    public bool Hijack { get; }

    /// <summary>Whether a flow to <paramref name="destination"/> is a query for us.</summary>
    public bool Serves(in NatEndpoint destination) =>
        destination.Port == Port && (Hijack || destination == _ipv4 || destination == _ipv6);
}
