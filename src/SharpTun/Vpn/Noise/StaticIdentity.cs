namespace SharpTun.Vpn.Noise;

/// <summary>The local interface's static key pair and the keys derived from its public half.</summary>
internal sealed class StaticIdentity
{
    public StaticIdentity(WireGuardKey privateKey)
    {
        PrivateKey = privateKey;
        PublicKey = privateKey.DerivePublic();
        Mac1Key = NoiseConstants.LabelledKey(NoiseConstants.LabelMac1, PublicKey);
        CookieKey = NoiseConstants.LabelledKey(NoiseConstants.LabelCookie, PublicKey);
    }

    public WireGuardKey PrivateKey { get; }
    public WireGuardKey PublicKey { get; }

    /// <summary>HASH(LABEL_MAC1 || S_pub): checks mac1 of messages sent to us.</summary>
    public byte[] Mac1Key { get; }

    /// <summary>HASH(LABEL_COOKIE || S_pub): encrypts the cookie replies we send.</summary>
    public byte[] CookieKey { get; }
}
