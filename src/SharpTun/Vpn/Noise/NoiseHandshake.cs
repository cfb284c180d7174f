using System.Security.Cryptography;
using SharpTun.Vpn.Crypto;
using SharpTun.Vpn.Messages;

namespace SharpTun.Vpn.Noise;

/// <summary>Finds the handshake state of the peer whose static public key an initiation carries; null for an unknown key.</summary>
internal delegate HandshakeState? PeerByStaticKey(ReadOnlySpan<byte> publicKey);

/// <summary>
/// The four steps of Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s as WireGuard uses it (paper §5.4.2 and
/// §5.4.3). The methods fill and read the message bodies; mac1/mac2 are the caller's (cookies).
/// Each Consume works on copies and changes the handshake state only when the message is valid,
/// so a forged message leaves an ongoing handshake untouched. Callers hold the state's lock.
/// </summary>
internal static class NoiseHandshake
{
    private const int KeyLength = 32, TagLength = 16;

    /// <summary>Writes an initiation (all but mac1/mac2) and moves the state to <see cref="HandshakeStage.InitiationCreated"/>. False when the peer's key is unusable.</summary>
    /// <param name="ephemeral">A fixed ephemeral key (known-answer tests); a fresh one when null.</param>
    public static bool CreateInitiation(StaticIdentity local, HandshakeState state, uint localIndex, DateTimeOffset now, Span<byte> message, WireGuardKey? ephemeral = null)
    {
        if (!state.HasStaticStatic)
            return false;
        Span<byte> hash = stackalloc byte[Blake2s.HashLength];
        Span<byte> chainKey = stackalloc byte[Blake2s.HashLength];
        Span<byte> key = stackalloc byte[KeyLength];
        Span<byte> secret = stackalloc byte[KeyLength];
        NoiseConstants.InitialHash.CopyTo(hash);
        NoiseConstants.InitialChainKey.CopyTo(chainKey);
        MixHash(hash, state.RemoteStatic.Bytes);

        ephemeral ??= WireGuardKey.GeneratePrivate();
        var ephemeralPublic = ephemeral.DerivePublic();
        message[..HandshakeInitiationLayout.Length].Clear();
        WireGuardMessage.WriteType(message, MessageType.HandshakeInitiation);
        WireGuardMessage.WriteIndex(message, HandshakeInitiationLayout.Sender, localIndex);
        ephemeralPublic.Bytes.CopyTo(message[HandshakeInitiationLayout.Ephemeral..]);
        Blake2s.Kdf(chainKey, ephemeralPublic.Bytes, chainKey);
        MixHash(hash, ephemeralPublic.Bytes);

        if (!ephemeral.TrySharedSecret(state.RemoteStatic, secret))
            return false;
        Blake2s.Kdf(chainKey, secret, chainKey, key);
        var encryptedStatic = message.Slice(HandshakeInitiationLayout.EncryptedStatic, KeyLength + TagLength);
        Seal(key, local.PublicKey.Bytes, encryptedStatic, hash);
        MixHash(hash, encryptedStatic);

        Blake2s.Kdf(chainKey, state.PrecomputedStaticStatic, chainKey, key);
        Span<byte> timestamp = stackalloc byte[Tai64N.Length];
        Tai64N.Write(now, timestamp);
        var encryptedTimestamp = message.Slice(HandshakeInitiationLayout.EncryptedTimestamp, Tai64N.Length + TagLength);
        Seal(key, timestamp, encryptedTimestamp, hash);
        MixHash(hash, encryptedTimestamp);

        hash.CopyTo(state.Hash);
        chainKey.CopyTo(state.ChainKey);
        state.LocalEphemeral = ephemeral;
        state.LocalIndex = localIndex;
        state.Stage = HandshakeStage.InitiationCreated;
        key.Clear();
        secret.Clear();
        return true;
    }

    /// <summary>
    /// Reads an initiation addressed to <paramref name="local"/>. Returns the sender's handshake
    /// state, now <see cref="HandshakeStage.InitiationConsumed"/>, or null when the message does not
    /// decrypt, comes from an unknown key, replays an old timestamp, or floods (paper §5.1).
    /// </summary>
    public static HandshakeState? ConsumeInitiation(StaticIdentity local, ReadOnlySpan<byte> message, PeerByStaticKey findPeer, TimeSpan now)
    {
        if (message.Length != HandshakeInitiationLayout.Length)
            return null;
        Span<byte> hash = stackalloc byte[Blake2s.HashLength];
        Span<byte> chainKey = stackalloc byte[Blake2s.HashLength];
        Span<byte> key = stackalloc byte[KeyLength];
        Span<byte> secret = stackalloc byte[KeyLength];
        Span<byte> remoteStatic = stackalloc byte[KeyLength];
        Span<byte> timestamp = stackalloc byte[Tai64N.Length];
        try
        {
            NoiseConstants.InitialHash.CopyTo(hash);
            NoiseConstants.InitialChainKey.CopyTo(chainKey);
            MixHash(hash, local.PublicKey.Bytes);
            var ephemeral = message.Slice(HandshakeInitiationLayout.Ephemeral, KeyLength);
            MixHash(hash, ephemeral);
            Blake2s.Kdf(chainKey, ephemeral, chainKey);

            if (!local.PrivateKey.TrySharedSecret(WireGuardKey.FromBytes(ephemeral), secret))
                return null;
            Blake2s.Kdf(chainKey, secret, chainKey, key);
            var encryptedStatic = message.Slice(HandshakeInitiationLayout.EncryptedStatic, KeyLength + TagLength);
            if (!TryOpen(key, encryptedStatic, remoteStatic, hash))
                return null;
            MixHash(hash, encryptedStatic);

            var state = findPeer(remoteStatic);
            if (state is null || !state.HasStaticStatic)
                return null;
            Blake2s.Kdf(chainKey, state.PrecomputedStaticStatic, chainKey, key);
            var encryptedTimestamp = message.Slice(HandshakeInitiationLayout.EncryptedTimestamp, Tai64N.Length + TagLength);
            if (!TryOpen(key, encryptedTimestamp, timestamp, hash))
                return null;
            MixHash(hash, encryptedTimestamp);

            lock (state.Lock)
            {
                if (!Tai64N.IsAfter(timestamp, state.LastTimestamp))
                    return null;
                if (state.LastInitiationConsumed is { } last && now - last <= Protocol.HandshakeInitiationRate)
                    return null;
                hash.CopyTo(state.Hash);
                chainKey.CopyTo(state.ChainKey);
                ephemeral.CopyTo(state.RemoteEphemeral);
                timestamp.CopyTo(state.LastTimestamp);
                state.LastInitiationConsumed = now;
                state.RemoteIndex = WireGuardMessage.ReadIndex(message, HandshakeInitiationLayout.Sender);
                state.LocalEphemeral = null;
                state.Stage = HandshakeStage.InitiationConsumed;
            }
            return state;
        }
        finally
        {
            key.Clear();
            secret.Clear();
            chainKey.Clear();
        }
    }

    /// <summary>Writes the response (all but mac1/mac2) to a consumed initiation; the state becomes <see cref="HandshakeStage.ResponseCreated"/>.</summary>
    public static bool CreateResponse(HandshakeState state, uint localIndex, Span<byte> message, WireGuardKey? ephemeral = null)
    {
        if (state.Stage != HandshakeStage.InitiationConsumed)
            return false;
        Span<byte> hash = stackalloc byte[Blake2s.HashLength];
        Span<byte> chainKey = stackalloc byte[Blake2s.HashLength];
        Span<byte> key = stackalloc byte[KeyLength];
        Span<byte> tau = stackalloc byte[KeyLength];
        Span<byte> secret = stackalloc byte[KeyLength];
        state.Hash.CopyTo(hash);
        state.ChainKey.CopyTo(chainKey);

        ephemeral ??= WireGuardKey.GeneratePrivate();
        var ephemeralPublic = ephemeral.DerivePublic();
        message[..HandshakeResponseLayout.Length].Clear();
        WireGuardMessage.WriteType(message, MessageType.HandshakeResponse);
        WireGuardMessage.WriteIndex(message, HandshakeResponseLayout.Sender, localIndex);
        WireGuardMessage.WriteIndex(message, HandshakeResponseLayout.Receiver, state.RemoteIndex);
        ephemeralPublic.Bytes.CopyTo(message[HandshakeResponseLayout.Ephemeral..]);
        MixHash(hash, ephemeralPublic.Bytes);
        Blake2s.Kdf(chainKey, ephemeralPublic.Bytes, chainKey);

        if (!ephemeral.TrySharedSecret(WireGuardKey.FromBytes(state.RemoteEphemeral), secret))
            return false;
        Blake2s.Kdf(chainKey, secret, chainKey);
        if (!ephemeral.TrySharedSecret(state.RemoteStatic, secret))
            return false;
        Blake2s.Kdf(chainKey, secret, chainKey);

        Blake2s.Kdf(chainKey, state.PresharedKey, chainKey, tau, key);
        MixHash(hash, tau);
        var encryptedNothing = message.Slice(HandshakeResponseLayout.EncryptedNothing, TagLength);
        Seal(key, [], encryptedNothing, hash);
        MixHash(hash, encryptedNothing);

        hash.CopyTo(state.Hash);
        chainKey.CopyTo(state.ChainKey);
        state.LocalIndex = localIndex;
        state.LocalEphemeral = null;
        state.Stage = HandshakeStage.ResponseCreated;
        key.Clear();
        tau.Clear();
        secret.Clear();
        return true;
    }

    /// <summary>
    /// Reads a response to the initiation that <paramref name="state"/> (found by the receiver
    /// index) created. True when it is valid; the state is then <see cref="HandshakeStage.ResponseConsumed"/>.
    /// </summary>
    public static bool ConsumeResponse(StaticIdentity local, HandshakeState state, ReadOnlySpan<byte> message)
    {
        if (message.Length != HandshakeResponseLayout.Length)
            return false;
        Span<byte> hash = stackalloc byte[Blake2s.HashLength];
        Span<byte> chainKey = stackalloc byte[Blake2s.HashLength];
        Span<byte> key = stackalloc byte[KeyLength];
        Span<byte> tau = stackalloc byte[KeyLength];
        Span<byte> secret = stackalloc byte[KeyLength];
        try
        {
            WireGuardKey? localEphemeral;
            lock (state.Lock)
            {
                if (state.Stage != HandshakeStage.InitiationCreated
                    || state.LocalIndex != WireGuardMessage.ReadIndex(message, HandshakeResponseLayout.Receiver))
                    return false;
                state.Hash.CopyTo(hash);
                state.ChainKey.CopyTo(chainKey);
                localEphemeral = state.LocalEphemeral;
            }
            if (localEphemeral is null)
                return false;

            var ephemeral = message.Slice(HandshakeResponseLayout.Ephemeral, KeyLength);
            var remoteEphemeral = WireGuardKey.FromBytes(ephemeral);
            MixHash(hash, ephemeral);
            Blake2s.Kdf(chainKey, ephemeral, chainKey);
            if (!localEphemeral.TrySharedSecret(remoteEphemeral, secret))
                return false;
            Blake2s.Kdf(chainKey, secret, chainKey);
            if (!local.PrivateKey.TrySharedSecret(remoteEphemeral, secret))
                return false;
            Blake2s.Kdf(chainKey, secret, chainKey);

            Blake2s.Kdf(chainKey, state.PresharedKey, chainKey, tau, key);
            MixHash(hash, tau);
            var encryptedNothing = message.Slice(HandshakeResponseLayout.EncryptedNothing, TagLength);
            if (!TryOpen(key, encryptedNothing, [], hash))
                return false;
            MixHash(hash, encryptedNothing);

            lock (state.Lock)
            {
                // Another thread may have started a new handshake meanwhile.
                if (state.Stage != HandshakeStage.InitiationCreated || !ReferenceEquals(state.LocalEphemeral, localEphemeral))
                    return false;
                hash.CopyTo(state.Hash);
                chainKey.CopyTo(state.ChainKey);
                state.RemoteIndex = WireGuardMessage.ReadIndex(message, HandshakeResponseLayout.Sender);
                state.Stage = HandshakeStage.ResponseConsumed;
            }
            return true;
        }
        finally
        {
            key.Clear();
            tau.Clear();
            secret.Clear();
            chainKey.Clear();
        }
    }

    /// <summary>
    /// Derives the transport keys from a completed handshake (paper §5.4.5) and zeroes the
    /// handshake. The initiator sends with the first key; the responder with the second.
    /// False when the state is not at the end of a handshake.
    /// </summary>
    public static bool DeriveTransportKeys(HandshakeState state, Span<byte> sendKey, Span<byte> receiveKey, out bool isInitiator)
    {
        isInitiator = state.Stage == HandshakeStage.ResponseConsumed;
        if (!isInitiator && state.Stage != HandshakeStage.ResponseCreated)
            return false;
        if (isInitiator)
            Blake2s.Kdf(state.ChainKey, [], sendKey, receiveKey);
        else
            Blake2s.Kdf(state.ChainKey, [], receiveKey, sendKey);
        var remoteIndex = state.RemoteIndex;
        var localIndex = state.LocalIndex;
        state.Clear();
        state.RemoteIndex = remoteIndex;
        state.LocalIndex = localIndex;
        return true;
    }

    /// <summary>H = HASH(H || data).</summary>
    private static void MixHash(Span<byte> hash, ReadOnlySpan<byte> data) => Blake2s.Hash(hash, data, hash);

    /// <summary>AEAD(key, 0, plaintext, hash): ChaCha20-Poly1305 with a zero counter (paper §5.4).</summary>
    private static void Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, Span<byte> output, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> nonce = stackalloc byte[12];
        nonce.Clear();
        using var aead = new ChaCha20Poly1305(key);
        aead.Encrypt(nonce, plaintext, output[..plaintext.Length], output.Slice(plaintext.Length, TagLength), associatedData);
    }

    private static bool TryOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedData, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> nonce = stackalloc byte[12];
        nonce.Clear();
        var length = sealedData.Length - TagLength;
        try
        {
            using var aead = new ChaCha20Poly1305(key);
            aead.Decrypt(nonce, sealedData[..length], sealedData[length..], plaintext[..length], associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }
}
