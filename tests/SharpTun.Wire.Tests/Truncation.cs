namespace SharpTun.Wire.Tests;

/// <summary>Helpers for malformed-input tables.</summary>
internal static class Truncation
{
    /// <summary>Every length from 0 to one less than the packet's length.</summary>
    public static IEnumerable<int> ShorterLengths(byte[] packet) => Enumerable.Range(0, packet.Length);
}
