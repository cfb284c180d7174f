using System.Buffers.Binary;

namespace SharpTun.Tests.Proxy.Sniffers;

/// <summary>
/// Builds ClientHellos field by field (RFC 8446 §4.1.2), with every length computed, so that each
/// malformed case breaks exactly one thing; and edits captured ones (adding an extension, re-splitting
/// the records).
/// </summary>
internal static class ClientHelloBuilder
{
    /// <summary>A body with the given extensions block, TLS_AES_128_GCM_SHA256 and null compression.</summary>
    public static byte[] Body(byte[]? extensions, byte[]? sessionId = null, byte[]? cipherSuites = null, byte[]? compressionMethods = null)
    {
        sessionId ??= new byte[32];
        cipherSuites ??= [0x13, 0x01];
        compressionMethods ??= [0x00];
        byte[] fixedPart = [0x03, 0x03, .. new byte[32], (byte)sessionId.Length, .. sessionId,
            .. UInt16(cipherSuites.Length), .. cipherSuites, (byte)compressionMethods.Length, .. compressionMethods];
        return extensions is null ? fixedPart : [.. fixedPart, .. UInt16(extensions.Length), .. extensions];
    }

    /// <summary>A handshake message (type, uint24 length) in one record.</summary>
    public static byte[] Record(byte[] body, byte handshakeType = 1) =>
        [0x16, 0x03, 0x01, .. UInt16(body.Length + 4), handshakeType, (byte)(body.Length >> 16), .. UInt16(body.Length & 0xffff), .. body];

    /// <summary>A one-record ClientHello whose only extension is server_name with <paramref name="hostName"/>.</summary>
    public static byte[] WithHostName(string hostName) => Record(Body(Extension(0, ServerNameList((0, System.Text.Encoding.UTF8.GetBytes(hostName))))));

    /// <summary>An extension: uint16 type, uint16 length, data.</summary>
    public static byte[] Extension(ushort type, byte[] data) => [.. UInt16(type), .. UInt16(data.Length), .. data];

    /// <summary>server_name extension data (RFC 6066 §3): the list length, then type and length-prefixed name per entry.</summary>
    public static byte[] ServerNameList(params (byte Type, byte[] Name)[] entries)
    {
        var list = new List<byte>();
        foreach (var (type, name) in entries)
            list.AddRange([type, .. UInt16(name.Length), .. name]);
        return [.. UInt16(list.Count), .. list];
    }

    /// <summary>
    /// A GREASE ECH extension as Chrome sends it (draft-ietf-tls-esni-22 §6.2): ECHClientHello of type
    /// outer, HKDF-SHA256 / AES-128-GCM, a random config_id, a 32-byte X25519 enc and a random payload.
    /// </summary>
    public static byte[] GreaseEncryptedClientHello(int seed)
    {
        var random = new Random(seed);
        var enc = new byte[32];
        var payload = new byte[144 + 32 * random.Next(4)];
        random.NextBytes(enc);
        random.NextBytes(payload);
        byte[] data = [0x00, 0x00, 0x01, 0x00, 0x01, (byte)random.Next(256), .. UInt16(enc.Length), .. enc, .. UInt16(payload.Length), .. payload];
        return Extension(0xfe0d, data);
    }

    /// <summary>
    /// <paramref name="hello"/>, a ClientHello in one record, with <paramref name="extension"/> appended to its
    /// extensions and the extensions, handshake and record lengths grown to match.
    /// </summary>
    public static byte[] AppendExtension(byte[] hello, byte[] extension)
    {
        int offset = 5 + 4 + 2 + 32;
        offset += 1 + hello[offset];
        offset += 2 + BinaryPrimitives.ReadUInt16BigEndian(hello.AsSpan(offset));
        offset += 1 + hello[offset];
        byte[] result = [.. hello, .. extension];
        Grow(result.AsSpan(offset, 2), extension.Length);
        Grow(result.AsSpan(3, 2), extension.Length);
        Grow(result.AsSpan(7, 2), extension.Length); // low 16 bits of the uint24; captured hellos are far below 64 KiB
        return result;
    }

    /// <summary>The handshake bytes of <paramref name="records"/> re-cut into handshake records of <paramref name="fragmentLength"/> bytes.</summary>
    public static byte[] Resplit(byte[] records, int fragmentLength)
    {
        var handshake = new List<byte>();
        for (int offset = 0; offset < records.Length;)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(records.AsSpan(offset + 3));
            handshake.AddRange(records.AsSpan(offset + 5, length));
            offset += 5 + length;
        }
        var result = new List<byte>();
        for (int offset = 0; offset < handshake.Count; offset += fragmentLength)
        {
            int length = Math.Min(fragmentLength, handshake.Count - offset);
            result.AddRange([0x16, 0x03, 0x01, .. UInt16(length)]);
            result.AddRange(handshake.GetRange(offset, length));
        }
        return [.. result];
    }

    private static byte[] UInt16(int value) => [(byte)(value >> 8), (byte)value];

    private static void Grow(Span<byte> field, int by) =>
        BinaryPrimitives.WriteUInt16BigEndian(field, (ushort)(BinaryPrimitives.ReadUInt16BigEndian(field) + by));
}
