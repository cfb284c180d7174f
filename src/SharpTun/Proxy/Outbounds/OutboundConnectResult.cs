using System.Diagnostics.CodeAnalysis;

namespace SharpTun.Proxy.Outbounds;

/// <summary>
/// The outcome of <see cref="IOutbound.ConnectTcpAsync"/>: a connection, or an <see cref="OutboundError"/>
/// with a message for a human ("SOCKS5 server 127.0.0.1:1080 replied 'connection refused' (0x05) for example.com:443").
/// </summary>
public readonly struct OutboundConnectResult
{
    private OutboundConnectResult(ProxyConnection? connection, OutboundError error, string message)
    {
        Connection = connection;
        Error = error;
        Message = message;
    }

    /// <summary>The connected stream; the caller owns and disposes it. Null on failure.</summary>
    public ProxyConnection? Connection { get; }

    /// <summary><see cref="OutboundError.None"/> on success, else why it failed.</summary>
    public OutboundError Error { get; }

    /// <summary>What happened, for a log line. "connected" on success.</summary>
    public string Message { get; }

    /// <summary>True when <see cref="Connection"/> holds a connection.</summary>
    [MemberNotNullWhen(true, nameof(Connection))]
    public bool IsSuccess => Connection is not null;

    /// <summary>A successful result.</summary>
    public static OutboundConnectResult Success(ProxyConnection connection) =>
        new(connection ?? throw new ArgumentNullException(nameof(connection)), OutboundError.None, "connected");

    /// <summary>A failed result; <paramref name="error"/> must not be <see cref="OutboundError.None"/>.</summary>
    public static OutboundConnectResult Failure(OutboundError error, string message)
    {
        if (error == OutboundError.None)
            throw new ArgumentException("a failure needs an error", nameof(error));
        return new(null, error, message);
    }

    /// <summary>"connected" or "Refused: message".</summary>
    public override string ToString() => IsSuccess ? Message : $"{Error}: {Message}";
}
