namespace SharpTun.Vpn.Noise;

/// <summary>mac1 and mac2 are the last 32 bytes of both handshake messages (paper §5.4.4).</summary>
internal static class MacLayout
{
    public const int MacLength = 16;

    public static int Mac1Offset(int messageLength) => messageLength - 2 * MacLength;

    public static int Mac2Offset(int messageLength) => messageLength - MacLength;
}
