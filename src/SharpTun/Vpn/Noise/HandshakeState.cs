using SharpTun.Vpn.Crypto;

namespace SharpTun.Vpn.Noise;

/// <summary>
/// One peer's Noise IKpsk2 handshake state (paper §5.4). Callers serialise access with
/// <see cref="Lock"/>: the handshake thread, the timers and the data path all touch it.
/// </summary>
internal sealed class HandshakeState
{
    public HandshakeState(StaticIdentity local, WireGuardKey remoteStatic, WireGuardKey? presharedKey)
    {
        RemoteStatic = remoteStatic;
        PresharedKey = presharedKey?.Bytes.ToArray() ?? new byte[32];
        // DH(S_priv_i, S_pub_r) is the same for every handshake with this peer (paper §5.4.2).
        HasStaticStatic = local.PrivateKey.TrySharedSecret(remoteStatic, PrecomputedStaticStatic);
    }

    public Lock Lock { get; } = new();
    public WireGuardKey RemoteStatic { get; }
    public byte[] PresharedKey { get; }
    public byte[] PrecomputedStaticStatic { get; } = new byte[32];

    /// <summary>False when the peer's public key is a low-order point: no handshake with it can succeed.</summary>
    public bool HasStaticStatic { get; }

    public HandshakeStage Stage { get; set; }
    public byte[] Hash { get; } = new byte[Blake2s.HashLength];
    public byte[] ChainKey { get; } = new byte[Blake2s.HashLength];
    public WireGuardKey? LocalEphemeral { get; set; }
    public byte[] RemoteEphemeral { get; } = new byte[32];
    public uint LocalIndex { get; set; }
    public uint RemoteIndex { get; set; }

    /// <summary>The greatest TAI64N timestamp accepted from this peer; later initiations must carry a greater one.</summary>
    public byte[] LastTimestamp { get; } = new byte[Tai64N.Length];

    /// <summary>When the last initiation from this peer was accepted (monotonic), for flood protection.</summary>
    public TimeSpan? LastInitiationConsumed { get; set; }

    /// <summary>Forgets the ephemeral state (not the timestamp and flood memory, which outlive handshakes).</summary>
    public void Clear()
    {
        Stage = HandshakeStage.Zeroed;
        Array.Clear(Hash);
        Array.Clear(ChainKey);
        Array.Clear(RemoteEphemeral);
        LocalEphemeral = null;
        LocalIndex = 0;
        RemoteIndex = 0;
    }
}
