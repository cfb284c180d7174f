using System.Diagnostics.CodeAnalysis;

namespace SharpTun.Proxy.Rules;

/// <summary>
/// Compares domain labels ignoring ASCII case, with a cheap FNV-1a hash, and looks strings up by
/// span without creating one. Faster than <see cref="StringComparer.OrdinalIgnoreCase"/> (whose
/// randomised hash and Unicode case mapping cost more than the rest of a trie step) for the short
/// ASCII labels of domain names. The keys come from the configuration, not from traffic, so a
/// non-randomised hash cannot be flooded by a remote peer; lookups only probe.
/// </summary>
internal sealed class AsciiCaseInsensitiveComparer : IEqualityComparer<string>, IAlternateEqualityComparer<ReadOnlySpan<char>, string>
{
    private const uint FnvOffsetBasis = 2166136261;
    private const uint FnvPrime = 16777619;

    /// <summary>The one instance.</summary>
    public static AsciiCaseInsensitiveComparer Instance { get; } = new();

    private AsciiCaseInsensitiveComparer()
    {
    }

    /// <inheritdoc/>
    public bool Equals(string? x, string? y) => x is null || y is null ? ReferenceEquals(x, y) : Equals(x.AsSpan(), y);

    /// <inheritdoc/>
    public int GetHashCode([DisallowNull] string obj) => GetHashCode(obj.AsSpan());

    /// <inheritdoc/>
    public bool Equals(ReadOnlySpan<char> alternate, string other)
    {
        if (alternate.Length != other.Length)
            return false;
        for (var i = 0; i < alternate.Length; i++)
        {
            if (ToLower(alternate[i]) != ToLower(other[i]))
                return false;
        }
        return true;
    }

    /// <inheritdoc/>
    public int GetHashCode(ReadOnlySpan<char> alternate)
    {
        var hash = FnvOffsetBasis;
        foreach (var c in alternate)
            hash = (hash ^ ToLower(c)) * FnvPrime;
        return (int)hash;
    }

    /// <inheritdoc/>
    public string Create(ReadOnlySpan<char> alternate) => new(alternate);

    private static char ToLower(char c) => char.IsAsciiLetterUpper(c) ? (char)(c | 0x20) : c;
}
