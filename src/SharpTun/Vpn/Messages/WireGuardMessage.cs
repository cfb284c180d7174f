using System.Buffers.Binary;

namespace SharpTun.Vpn.Messages;

/// <summary>
/// Classifies a received UDP payload. Every message starts with a little-endian 32-bit type whose
/// upper three bytes are zero (paper §5.4); handshake and cookie messages have one fixed length,
/// data messages at least a header and a tag. Anything else is not WireGuard and is dropped.
/// </summary>
public static class WireGuardMessage
{
    public static bool TryClassify(ReadOnlySpan<byte> datagram, out MessageType type)
    {
        type = default;
        if (datagram.Length < 4)
            return false;
        var value = BinaryPrimitives.ReadUInt32LittleEndian(datagram);
        var expected = value switch
        {
            (uint)MessageType.HandshakeInitiation => datagram.Length == HandshakeInitiationLayout.Length,
            (uint)MessageType.HandshakeResponse => datagram.Length == HandshakeResponseLayout.Length,
            (uint)MessageType.CookieReply => datagram.Length == CookieReplyLayout.Length,
            (uint)MessageType.TransportData => datagram.Length >= TransportDataLayout.MinimumLength,
            _ => false,
        };
        if (!expected)
            return false;
        type = (MessageType)value;
        return true;
    }

    /// <summary>Writes the type and its three reserved zero bytes.</summary>
    internal static void WriteType(Span<byte> message, MessageType type) =>
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)type);

    internal static uint ReadIndex(ReadOnlySpan<byte> message, int offset) =>
        BinaryPrimitives.ReadUInt32LittleEndian(message[offset..]);

    internal static void WriteIndex(Span<byte> message, int offset, uint index) =>
        BinaryPrimitives.WriteUInt32LittleEndian(message[offset..], index);
}
