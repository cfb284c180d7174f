namespace SharpTun.Wire;

/// <summary>The IP version in the first nibble of a packet (RFC 791 §3.1, RFC 8200 §3).</summary>
public enum IpVersion : byte
{
    /// <summary>Empty buffer or a version that is neither 4 nor 6.</summary>
    Unknown = 0,
    V4 = 4,
    V6 = 6,
}
