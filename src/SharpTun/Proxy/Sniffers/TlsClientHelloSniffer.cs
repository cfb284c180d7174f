using System.Buffers;
using System.Buffers.Binary;

namespace SharpTun.Proxy.Sniffers;

/// <summary>
/// Finds the server name in the TLS records a client sends first: handshake records (RFC 8446 §5.1)
/// carrying a ClientHello, which <see cref="ClientHelloParser"/> reads. The ClientHello may be split
/// across several records; it is reassembled in a pooled buffer then, and read in place otherwise.
/// Returns <see cref="SniffStatus.Found"/> only once the whole ClientHello has arrived and checks out,
/// so every proper prefix of a valid ClientHello gives <see cref="SniffStatus.NeedMore"/>.
/// </summary>
/// <remarks>
/// <code>
/// record:    ContentType type (1) | ProtocolVersion legacy_record_version (2) | uint16 length | fragment
/// handshake: HandshakeType msg_type (1) | uint24 length | body
/// </code>
/// </remarks>
public static class TlsClientHelloSniffer
{
    /// <summary>Longest ClientHello body accepted; real ones are under 2 KiB, post-quantum key shares included.</summary>
    public const int MaxClientHelloLength = 16 * 1024;

    /// <summary>ContentType handshake (RFC 8446 §5.1); the first byte of every TLS flow a client opens.</summary>
    public const byte HandshakeContentType = 22;

    private const byte ClientHelloMessageType = 1;
    private const byte MajorVersion = 3;
    private const int MaxRecordLength = 1 << 14;
    private const int RecordHeaderLength = 5;
    private const int HandshakeHeaderLength = 4;

    private static class RecordField
    {
        public const int ContentType = 0, MajorVersion = 1, Length = 3;
    }

    private static class HandshakeField
    {
        public const int MessageType = 0, Length = 1;
    }

    /// <summary>
    /// Sniffs <paramref name="input"/>, the first bytes of a flow. On <see cref="SniffStatus.Found"/>
    /// the lowercased server name is in <paramref name="hostName"/>, which must hold
    /// <see cref="HostNameRules.MaxLength"/> characters.
    /// </summary>
    public static SniffResult Sniff(ReadOnlySpan<byte> input, Span<char> hostName)
    {
        HostNameRules.ThrowIfTooSmall(hostName);
        if (!TryReadRecordHeader(input, isFirst: true, out int recordLength, out var stop))
            return stop;
        var fragment = input.Slice(RecordHeaderLength, Math.Min(recordLength, input.Length - RecordHeaderLength));
        if (fragment.Length >= HandshakeHeaderLength)
        {
            if (!TryReadHandshakeHeader(fragment, out int bodyLength, out stop))
                return stop;
            if (fragment.Length >= HandshakeHeaderLength + bodyLength)
                return ClientHelloParser.Parse(fragment.Slice(HandshakeHeaderLength, bodyLength), hostName);
        }
        return fragment.Length < recordLength ? SniffResult.NeedMore(SniffProtocol.Tls) : SniffReassembled(input, hostName);
    }

    // The ClientHello continues in later records: copy the fragments together, then parse.
    private static SniffResult SniffReassembled(ReadOnlySpan<byte> input, Span<char> hostName)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(HandshakeHeaderLength + MaxClientHelloLength);
        try
        {
            var message = rented.AsSpan(0, HandshakeHeaderLength + MaxClientHelloLength);
            int collected = 0;
            int messageLength = int.MaxValue;
            int offset = 0;
            while (true)
            {
                if (!TryReadRecordHeader(input[offset..], isFirst: offset == 0, out int recordLength, out var stop))
                    return stop;
                int fragmentStart = offset + RecordHeaderLength;
                var fragment = input.Slice(fragmentStart, Math.Min(recordLength, input.Length - fragmentStart));
                int copied = Math.Min(fragment.Length, message.Length - collected);
                fragment[..copied].CopyTo(message[collected..]);
                collected += copied;
                if (messageLength == int.MaxValue && collected >= HandshakeHeaderLength)
                {
                    if (!TryReadHandshakeHeader(message, out int bodyLength, out stop))
                        return stop;
                    messageLength = HandshakeHeaderLength + bodyLength;
                }
                if (collected >= messageLength)
                    return ClientHelloParser.Parse(message[HandshakeHeaderLength..messageLength], hostName);
                if (fragment.Length < recordLength)
                    return SniffResult.NeedMore(SniffProtocol.Tls);
                offset = fragmentStart + recordLength;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // Checks as much of a record header as has arrived. The first record decides whether this is TLS at
    // all; a later one that is not a handshake record breaks RFC 8446 §5.1 ("handshake messages MUST
    // NOT be interleaved with other record types").
    private static bool TryReadRecordHeader(ReadOnlySpan<byte> record, bool isFirst, out int length, out SniffResult stop)
    {
        length = 0;
        if (record.Length > RecordField.ContentType && record[RecordField.ContentType] != HandshakeContentType)
        {
            stop = isFirst ? SniffResult.NotThisProtocol : SniffResult.Malformed(SniffProtocol.Tls, SniffReason.InterleavedRecord);
            return false;
        }
        if (record.Length > RecordField.MajorVersion && record[RecordField.MajorVersion] != MajorVersion)
        {
            stop = isFirst ? SniffResult.NotThisProtocol : SniffResult.Malformed(SniffProtocol.Tls, SniffReason.RecordVersion);
            return false;
        }
        if (record.Length < RecordHeaderLength)
        {
            stop = SniffResult.NeedMore(SniffProtocol.Tls);
            return false;
        }
        length = BinaryPrimitives.ReadUInt16BigEndian(record[RecordField.Length..]);
        stop = length switch
        {
            0 => SniffResult.Malformed(SniffProtocol.Tls, SniffReason.EmptyRecord),
            > MaxRecordLength => SniffResult.Malformed(SniffProtocol.Tls, SniffReason.RecordTooLong),
            _ => default,
        };
        return length is > 0 and <= MaxRecordLength;
    }

    private static bool TryReadHandshakeHeader(ReadOnlySpan<byte> message, out int bodyLength, out SniffResult stop)
    {
        bodyLength = message[HandshakeField.Length] << 16 | message[HandshakeField.Length + 1] << 8 | message[HandshakeField.Length + 2];
        stop = default;
        if (message[HandshakeField.MessageType] != ClientHelloMessageType)
            stop = SniffResult.Malformed(SniffProtocol.Tls, SniffReason.NotClientHello);
        else if (bodyLength > MaxClientHelloLength)
            stop = SniffResult.Malformed(SniffProtocol.Tls, SniffReason.ClientHelloTooLong);
        else
            return true;
        return false;
    }
}
