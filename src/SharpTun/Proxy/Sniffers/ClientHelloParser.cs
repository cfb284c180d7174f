using System.Buffers.Binary;

namespace SharpTun.Proxy.Sniffers;

/// <summary>
/// Reads the body of a ClientHello (RFC 8446 §4.1.2; RFC 5246 §7.4.1.2 for TLS 1.2, where the
/// extensions may be absent) and the host_name in its server_name extension (RFC 6066 §3). Every length
/// is checked against the structure that encloses it before anything inside is read.
/// </summary>
/// <remarks>
/// <code>
/// ProtocolVersion legacy_version;                 2
/// Random random;                                  32
/// opaque legacy_session_id&lt;0..32&gt;;              1 + n
/// CipherSuite cipher_suites&lt;2..2^16-2&gt;;          2 + n
/// opaque legacy_compression_methods&lt;1..2^8-1&gt;;  1 + n
/// Extension extensions&lt;8..2^16-1&gt;;              2 + n, each: uint16 type, opaque data&lt;0..2^16-1&gt;
/// </code>
/// </remarks>
internal static class ClientHelloParser
{
    /// <summary>server_name (RFC 6066 §3).</summary>
    public const ushort ServerNameExtension = 0;

    /// <summary>encrypted_client_hello (draft-ietf-tls-esni, IANA considerations); GREASE ECH (§6.2) uses the same code point.</summary>
    public const ushort EncryptedClientHelloExtension = 0xfe0d;

    private const byte HostNameType = 0;
    private const int MaxSessionIdLength = 32;
    private const int SessionIdOffset = 2 + 32;

    /// <summary>Parses a complete ClientHello <paramref name="body"/> (the handshake header removed).</summary>
    public static SniffResult Parse(ReadOnlySpan<byte> body, Span<char> hostName)
    {
        if (body.Length <= SessionIdOffset)
            return Malformed(SniffReason.LengthOverrun);
        if (body[0] != 3)
            return Malformed(SniffReason.ClientHelloVersion);
        if (body[SessionIdOffset] > MaxSessionIdLength)
            return Malformed(SniffReason.SessionIdTooLong);
        int offset = SessionIdOffset;
        if (!TryReadVector8(body, ref offset, out _) || !TryReadVector16(body, ref offset, out var cipherSuites))
            return Malformed(SniffReason.LengthOverrun);
        if (cipherSuites.Length < 2 || cipherSuites.Length % 2 != 0)
            return Malformed(SniffReason.CipherSuites);
        if (!TryReadVector8(body, ref offset, out var compressionMethods))
            return Malformed(SniffReason.LengthOverrun);
        if (compressionMethods.IsEmpty)
            return Malformed(SniffReason.CompressionMethods);
        if (offset == body.Length)
            return SniffResult.NoDomain(SniffProtocol.Tls, SniffReason.NoServerName);
        if (!TryReadVector16(body, ref offset, out var extensions))
            return Malformed(SniffReason.LengthOverrun);
        if (offset != body.Length)
            return Malformed(SniffReason.TrailingBytes);
        return ParseExtensions(extensions, hostName);
    }

    private static SniffResult ParseExtensions(ReadOnlySpan<byte> extensions, Span<char> hostName)
    {
        bool hasEncryptedClientHello = false;
        bool hasServerName = false;
        ReadOnlySpan<byte> serverName = default;
        int offset = 0;
        while (offset < extensions.Length)
        {
            if (!TryReadUInt16(extensions, ref offset, out ushort type) || !TryReadVector16(extensions, ref offset, out var data))
                return Malformed(SniffReason.LengthOverrun);
            if (type == ServerNameExtension)
            {
                // RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type."
                if (hasServerName)
                    return Malformed(SniffReason.DuplicateServerName);
                hasServerName = true;
                serverName = data;
            }
            else if (type == EncryptedClientHelloExtension)
            {
                hasEncryptedClientHello = true;
            }
        }
        if (!hasServerName)
            return SniffResult.NoDomain(SniffProtocol.Tls, SniffReason.NoServerName, hasEncryptedClientHello);
        return ParseServerName(serverName, hostName, hasEncryptedClientHello);
    }

    // struct { NameType name_type; select (name_type) { case host_name: HostName; } name; } ServerName;
    // struct { ServerName server_name_list<1..2^16-1> } ServerNameList;   opaque HostName<1..2^16-1>;
    // Other name types would have other bodies (RFC 6066 §3), but none was ever defined; like the common
    // TLS stacks, this reads every entry as a type and a 16-bit length-prefixed name.
    private static SniffResult ParseServerName(ReadOnlySpan<byte> data, Span<char> hostName, bool hasEncryptedClientHello)
    {
        int offset = 0;
        if (!TryReadVector16(data, ref offset, out var list))
            return Malformed(SniffReason.LengthOverrun);
        if (offset != data.Length)
            return Malformed(SniffReason.TrailingBytes);
        if (list.IsEmpty)
            return Malformed(SniffReason.EmptyServerNameList);

        bool hasHostName = false;
        ReadOnlySpan<byte> name = default;
        offset = 0;
        while (offset < list.Length)
        {
            byte nameType = list[offset++];
            if (!TryReadVector16(list, ref offset, out var entry))
                return Malformed(SniffReason.LengthOverrun);
            if (nameType != HostNameType)
                continue;
            // RFC 6066 §3: "The ServerNameList MUST NOT contain more than one name of the same name_type."
            if (hasHostName)
                return Malformed(SniffReason.DuplicateServerName);
            hasHostName = true;
            name = entry;
        }
        if (!hasHostName)
            return SniffResult.NoDomain(SniffProtocol.Tls, SniffReason.NoServerName, hasEncryptedClientHello);

        // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in "HostName"", and the name
        // is sent "without a trailing dot", so a trailing dot fails as an empty last label.
        var reason = HostNameRules.CheckAndCopyLowercase(name, hostName, out int length);
        return reason == SniffReason.None
            ? SniffResult.Found(SniffProtocol.Tls, length, hasEncryptedClientHello)
            : Malformed(reason);
    }

    private static SniffResult Malformed(SniffReason reason) => SniffResult.Malformed(SniffProtocol.Tls, reason);

    private static bool TryReadUInt16(ReadOnlySpan<byte> source, scoped ref int offset, out ushort value)
    {
        if (source.Length - offset < 2)
        {
            value = 0;
            return false;
        }
        value = BinaryPrimitives.ReadUInt16BigEndian(source[offset..]);
        offset += 2;
        return true;
    }

    private static bool TryReadVector8(ReadOnlySpan<byte> source, scoped ref int offset, out ReadOnlySpan<byte> vector)
    {
        vector = default;
        if (offset >= source.Length || source.Length - offset - 1 < source[offset])
            return false;
        vector = source.Slice(offset + 1, source[offset]);
        offset += 1 + vector.Length;
        return true;
    }

    private static bool TryReadVector16(ReadOnlySpan<byte> source, scoped ref int offset, out ReadOnlySpan<byte> vector)
    {
        vector = default;
        if (!TryReadUInt16(source, ref offset, out ushort length) || source.Length - offset < length)
            return false;
        vector = source.Slice(offset, length);
        offset += length;
        return true;
    }
}
