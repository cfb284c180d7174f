namespace SharpTun.Dns;

/// <summary>
/// Compares cache keys (the bytes <see cref="DnsQueryInfo.TryRead"/> writes) stored as arrays, and
/// looks them up by span so that a lookup allocates nothing. The hash is <see cref="HashCode"/>'s,
/// seeded per process, so names chosen to collide cannot be precomputed.
/// </summary>
internal sealed class DnsCacheKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly DnsCacheKeyComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate)
    {
        var hash = new HashCode();
        hash.AddBytes(alternate);
        return hash.ToHashCode();
    }

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
