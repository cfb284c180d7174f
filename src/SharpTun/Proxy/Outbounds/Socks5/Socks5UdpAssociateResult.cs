using System.Diagnostics.CodeAnalysis;

namespace SharpTun.Proxy.Outbounds.Socks5;

/// <summary>The outcome of <see cref="Socks5Outbound.OpenUdpAssociationAsync"/>: an association or a failure value.</summary>
public readonly struct Socks5UdpAssociateResult
{
    private Socks5UdpAssociateResult(Socks5UdpAssociation? association, OutboundError error, string message)
    {
        Association = association;
        Error = error;
        Message = message;
    }

    /// <summary>The open association; the caller disposes it. Null on failure.</summary>
    public Socks5UdpAssociation? Association { get; }

    /// <summary><see cref="OutboundError.None"/> on success, else why it failed.</summary>
    public OutboundError Error { get; }

    /// <summary>What happened, for a log line.</summary>
    public string Message { get; }

    /// <summary>True when <see cref="Association"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Association))]
    public bool IsSuccess => Association is not null;

    internal static Socks5UdpAssociateResult Success(Socks5UdpAssociation association) => new(association, OutboundError.None, "associated");

    internal static Socks5UdpAssociateResult Failure(OutboundError error, string message) => new(null, error, message);

    /// <summary>"associated" or "Error: message".</summary>
    public override string ToString() => IsSuccess ? Message : $"{Error}: {Message}";
}
