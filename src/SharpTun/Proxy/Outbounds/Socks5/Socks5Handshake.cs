using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace SharpTun.Proxy.Outbounds.Socks5;

/// <summary>The outcome of a SOCKS5 handshake: <see cref="OutboundError.None"/> and the server's BND address, or an error and a message.</summary>
internal readonly record struct Socks5HandshakeResult(OutboundError Error, string Message, ProxyDestination Bound);

/// <summary>
/// The client side of a SOCKS5 handshake on a connected socket: method negotiation (RFC 1928 §3),
/// username/password subnegotiation (RFC 1929 §2) when credentials are given, then one request
/// (CONNECT or UDP ASSOCIATE, §4) and its reply (§6). Every message fits one 513-byte pooled
/// buffer. Every reply is read to its exact length, so nothing tunnelled is consumed. Hostile
/// replies become values naming the problem; the caller's deadline bounds the whole exchange.
/// </summary>
internal sealed class Socks5Handshake
{
    public const byte CommandConnect = 0x01;
    public const byte CommandUdpAssociate = 0x03;

    private const byte Version = 0x05;
    private const byte MethodNoAuthentication = 0x00;
    private const byte MethodUsernamePassword = 0x02;
    private const byte MethodNoAcceptable = 0xFF;
    private const byte UsernamePasswordVersion = 0x01;

    /// <summary>The largest message: an RFC 1929 request with 255-byte user name and password.</summary>
    private const int BufferSize = 1 + 1 + 255 + 1 + 255;

    private readonly Socket _socket;
    private readonly string _server;
    private readonly CancellationToken _ct;
    private string _phase = "the server to accept our greeting";

    private Socks5Handshake(Socket socket, string server, CancellationToken ct)
    {
        _socket = socket;
        _server = server;
        _ct = ct;
    }

    /// <summary>What the handshake was waiting for when it stopped, for a timeout message.</summary>
    public string Phase => _phase;

    /// <summary>Runs the handshake; the <paramref name="ct"/> is the attempt's deadline.</summary>
    public static Socks5Handshake Create(Socket socket, string server, CancellationToken ct) => new(socket, server, ct);

    public async ValueTask<Socks5HandshakeResult> RunAsync(ProxyCredentials? credentials, byte command, ProxyDestination target)
    {
        var array = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            return await RunAsync(array.AsMemory(0, BufferSize), credentials, command, target).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            return Fail(OutboundError.NetworkError, $"connection failed ({TcpConnector.Describe(e.SocketErrorCode)}) while we waited for {_phase}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private async ValueTask<Socks5HandshakeResult> RunAsync(Memory<byte> buffer, ProxyCredentials? credentials, byte command, ProxyDestination target)
    {
        // RFC 1928 §3: VER, NMETHODS, METHODS. Offer username/password only when we have credentials.
        var greeting = buffer.Span;
        greeting[0] = Version;
        greeting[1] = credentials is null ? (byte)1 : (byte)2;
        greeting[2] = MethodNoAuthentication;
        greeting[3] = MethodUsernamePassword;
        await SendAsync(buffer[..(credentials is null ? 3 : 4)]).ConfigureAwait(false);

        _phase = "the method selection reply";
        if (await ReceiveExactlyAsync(buffer[..2]).ConfigureAwait(false) is { } closed)
            return closed;
        if (buffer.Span[0] != Version)
            return Fail(OutboundError.ProxyProtocolError, $"answered the greeting with version 0x{buffer.Span[0]:x2}, not 0x05 (is it a SOCKS5 server?)");
        switch (buffer.Span[1])
        {
            case MethodNoAuthentication:
                break;
            case MethodUsernamePassword when credentials is not null:
                if (await AuthenticateAsync(buffer, credentials).ConfigureAwait(false) is { } failed)
                    return failed;
                break;
            case MethodNoAcceptable:
                return Fail(OutboundError.AuthenticationFailed, credentials is null
                    ? "accepts none of our methods: it requires authentication (give user:pass in the proxy URL)"
                    : "accepts neither no-authentication nor username/password");
            default:
                return Fail(OutboundError.ProxyProtocolError, $"chose method 0x{buffer.Span[1]:x2}, which we did not offer");
        }

        // RFC 1928 §4: VER, CMD, RSV, ATYP, DST.ADDR, DST.PORT.
        var request = buffer.Span;
        request[0] = Version;
        request[1] = command;
        request[2] = 0;
        var length = 3 + Socks5Address.Write(request[3..], target);
        await SendAsync(buffer[..length]).ConfigureAwait(false);
        return await ReceiveReplyAsync(buffer, target).ConfigureAwait(false);
    }

    /// <summary>RFC 1929 §2: VER 1, ULEN, UNAME, PLEN, PASSWD; the reply is VER, STATUS (0 = success).</summary>
    private async ValueTask<Socks5HandshakeResult?> AuthenticateAsync(Memory<byte> buffer, ProxyCredentials credentials)
    {
        var span = buffer.Span;
        span[0] = UsernamePasswordVersion;
        var userLength = Encoding.UTF8.GetBytes(credentials.UserName, span[2..]);
        span[1] = (byte)userLength;
        var passwordLength = Encoding.UTF8.GetBytes(credentials.Password, span[(3 + userLength)..]);
        span[2 + userLength] = (byte)passwordLength;
        await SendAsync(buffer[..(3 + userLength + passwordLength)]).ConfigureAwait(false);

        _phase = "the username/password reply";
        if (await ReceiveExactlyAsync(buffer[..2]).ConfigureAwait(false) is { } closed)
            return closed;
        // The subnegotiation version is 1; some servers answer 5 (the SOCKS version). Both are accepted.
        if (buffer.Span[0] is not (UsernamePasswordVersion or Version))
            return Fail(OutboundError.ProxyProtocolError, $"answered username/password authentication with version 0x{buffer.Span[0]:x2}, not 0x01");
        if (buffer.Span[1] != 0)
            return Fail(OutboundError.AuthenticationFailed, $"rejected the user name '{credentials.UserName}' and its password (status 0x{buffer.Span[1]:x2})");
        return null;
    }

    /// <summary>
    /// RFC 1928 §6: VER, REP, RSV, ATYP, BND.ADDR, BND.PORT. Read in two steps (the fixed part, then
    /// the address whose length ATYP gives) so that no byte after the reply is consumed. RSV is not
    /// checked: the RFC gives it no meaning.
    /// </summary>
    private async ValueTask<Socks5HandshakeResult> ReceiveReplyAsync(Memory<byte> buffer, ProxyDestination target)
    {
        _phase = "the reply to our request";
        if (await ReceiveExactlyAsync(buffer[..5]).ConfigureAwait(false) is { } closed)
            return closed;
        var head = buffer.Span;
        if (head[0] != Version)
            return Fail(OutboundError.ProxyProtocolError, $"replied with version 0x{head[0]:x2}, not 0x05");
        var code = head[1];
        if (code != Socks5Reply.Succeeded)
            return Fail(Socks5Reply.ToOutboundError(code), $"replied '{Socks5Reply.Describe(code)}' (0x{code:x2}) for {target}");
        var addressType = head[3];
        int addressLength, addressOffset, remaining;
        if (addressType == (byte)Socks5AddressType.DomainName)
        {
            addressLength = head[4];
            if (addressLength == 0)
                return Fail(OutboundError.ProxyProtocolError, "replied with an empty domain name as its bound address");
            addressOffset = 5;
            remaining = addressLength + 2;
        }
        else
        {
            addressLength = Socks5Address.FixedAddressLength(addressType);
            if (addressLength < 0)
                return Fail(OutboundError.ProxyProtocolError, $"replied with the unknown address type 0x{addressType:x2}");
            addressOffset = 4;
            remaining = addressLength + 2 - 1; // the first address byte is already in head[4]
        }
        _phase = "the bound address of the reply";
        if (await ReceiveExactlyAsync(buffer.Slice(5, remaining)).ConfigureAwait(false) is { } truncated)
            return truncated;

        var address = buffer.Span.Slice(addressOffset, addressLength);
        if (addressType == (byte)Socks5AddressType.DomainName && Socks5Address.ValidateDomain(address) is { } problem)
            return Fail(OutboundError.ProxyProtocolError, $"replied with a bound domain name that {problem}");
        var port = BinaryPrimitives.ReadUInt16BigEndian(buffer.Span[(addressOffset + addressLength)..]);
        return new(OutboundError.None, "succeeded", Socks5Address.Decode((Socks5AddressType)addressType, address, port));
    }

    private ValueTask SendAsync(ReadOnlyMemory<byte> data) => SendAllAsync(_socket, data, _ct);

    private static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        while (!data.IsEmpty)
            data = data[await OutboundSocketIo.SendAsync(socket, data, ct).ConfigureAwait(false)..];
    }

    /// <summary>Fills <paramref name="buffer"/> exactly; returns a failure when the server closes first.</summary>
    private async ValueTask<Socks5HandshakeResult?> ReceiveExactlyAsync(Memory<byte> buffer)
    {
        var received = 0;
        while (received < buffer.Length)
        {
            var count = await OutboundSocketIo.ReceiveAsync(_socket, buffer[received..], _ct).ConfigureAwait(false);
            if (count == 0)
                return Fail(OutboundError.ProxyProtocolError, received == 0
                    ? $"closed the connection while we waited for {_phase}"
                    : $"closed the connection in the middle of {_phase} (truncated after {received} of {buffer.Length} bytes)");
            received += count;
        }
        return null;
    }

    private Socks5HandshakeResult Fail(OutboundError error, string message) => new(error, $"SOCKS5 server {_server} {message}", default);
}
