using System.Text;

namespace SharpTun.Tun;

/// <summary>Interface-name rules (for TUN devices and any other link), checked before the kernel sees the name.</summary>
public static class TunName
{
    /// <summary>IFNAMSIZ - 1: the kernel keeps names in a 16-byte field with a NUL.</summary>
    public const int MaxBytes = 15;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless <paramref name="name"/> is a name the kernel's
    /// dev_valid_name() accepts: 1-15 bytes, not "." or "..", no '/', ':' or whitespace. One
    /// <c>%d</c> is allowed and makes it a pattern (dev_alloc_name picks the number).
    /// </summary>
    public static void Validate(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes is 0 or > MaxBytes)
            throw new ArgumentException($"invalid interface name '{name}': it must be 1 to {MaxBytes} bytes long, not {bytes}", nameof(name));
        if (name is "." or "..")
            throw new ArgumentException($"invalid interface name '{name}': '.' and '..' are reserved", nameof(name));
        foreach (var c in name)
        {
            if (c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c))
                throw new ArgumentException($"invalid interface name '{name}': it must not contain '/', ':', whitespace or control characters", nameof(name));
        }
        var percent = name.IndexOf('%');
        if (percent >= 0 && (!name.AsSpan(percent).StartsWith("%d") || name.IndexOf('%', percent + 1) >= 0))
            throw new ArgumentException($"invalid interface name '{name}': '%' is only allowed once, as the pattern '%d'", nameof(name));
    }

    /// <summary>True when <paramref name="name"/> is a pattern such as <c>st%d</c>.</summary>
    public static bool IsPattern(string name) => name.Contains("%d", StringComparison.Ordinal);
}
