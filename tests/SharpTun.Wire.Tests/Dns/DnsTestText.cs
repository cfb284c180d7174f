namespace SharpTun.Wire.Tests.Dns;

/// <summary>Conversions between the codec's spans and strings, for assertions.</summary>
internal static class DnsTestText
{
    /// <summary>The name as dotted text.</summary>
    public static string Of(DnsName name)
    {
        Span<char> text = stackalloc char[4 * DnsName.MaximumLength];
        Assert.True(name.TryFormat(text, out int length));
        return new string(text[..length]);
    }

    /// <summary>A dotted name in uncompressed wire form.</summary>
    public static byte[] WireName(string dottedName)
    {
        var buffer = new byte[DnsName.MaximumLength];
        Assert.Equal(DnsError.None, DnsNameEncoding.TryEncode(dottedName, buffer, out int length));
        return buffer[..length];
    }

    /// <summary>Reads every question and record and returns the error that stopped the walk, or None.</summary>
    public static DnsError ReadAll(ReadOnlySpan<byte> message)
    {
        if (!DnsMessageReader.TryParse(message, out var reader, out var error))
            return error;
        while (reader.TryReadQuestion(out _))
        {
        }
        while (reader.TryReadRecord(out _))
        {
        }
        return reader.Error;
    }
}
