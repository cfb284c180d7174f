using System.Net;

namespace SharpTun.Cli.Config;

/// <summary>Prefixes as the file writes them: <c>10.0.0.0/8</c>, <c>fc00::/18</c>.</summary>
internal static class ConfigurationPrefix
{
    /// <summary>
    /// Parses ADDRESS/LENGTH. Unlike <see cref="IPNetwork.TryParse(string, out IPNetwork)"/>, which
    /// clears host bits since .NET 9, a prefix with host bits set is refused: <c>10.0.0.1/8</c> is
    /// more likely a typo than a way to write 10.0.0.0/8.
    /// </summary>
    public static bool TryParse(string text, out IPNetwork prefix)
    {
        var slash = text.IndexOf('/');
        return IPNetwork.TryParse(text, out prefix)
            && slash > 0
            && IPAddress.TryParse(text.AsSpan(0, slash), out var address)
            && address.Equals(prefix.BaseAddress);
    }
}
