using System.Buffers.Binary;
using System.Security.Cryptography;
using SharpTun.Vpn.Messages;

namespace SharpTun.Vpn.Transport;

/// <summary>
/// Sealing and opening transport data messages in place (paper §5.4.6). A packet is sealed where it
/// lies: the 16-byte header goes into the 16 bytes before it, zero padding and the 16-byte tag
/// after it. Opening decrypts over the ciphertext, leaving the packet 16 bytes into the message.
/// Neither allocates; neither throws for bad input.
/// </summary>
internal static class TransportCrypto
{
    /// <summary>The bytes a sealed packet needs after its end: padding (up to 15) and the tag.</summary>
    public const int TailRoom = TransportDataLayout.PaddingMultiple - 1 + TransportDataLayout.TagLength;

    /// <summary>
    /// The plaintext length after padding to a multiple of 16, but never past the MTU (wireguard-go's
    /// calculatePaddingSize): a full-size packet is not made larger than the MTU by padding.
    /// </summary>
    public static int PaddedLength(int length, int mtu)
    {
        if (mtu <= 0)
            return RoundUp(length);
        var lastUnit = length > mtu ? length % mtu : length;
        var padded = Math.Min(RoundUp(lastUnit), mtu);
        return length + Math.Max(padded - lastUnit, 0);
    }

    /// <summary>
    /// Seals <c>buffer[packetOffset..packetOffset+packetLength]</c> with the keypair's next counter.
    /// Returns the message length (the message starts 16 bytes before the packet), 0 when the
    /// keypair is used up or disposed, or -1 when the buffer lacks the head or tail room.
    /// </summary>
    public static int Seal(Keypair keypair, Span<byte> buffer, int packetOffset, int packetLength, int mtu)
    {
        var padded = PaddedLength(packetLength, mtu);
        if (packetOffset < TransportDataLayout.HeaderLength || packetOffset + padded + TransportDataLayout.TagLength > buffer.Length)
            return -1;
        Span<byte> nonce = stackalloc byte[12];
        lock (keypair.SendLock)
        {
            if (keypair.IsDisposed || !keypair.TryTakeCounter(out var counter))
                return 0;
            var message = buffer.Slice(packetOffset - TransportDataLayout.HeaderLength, TransportDataLayout.HeaderLength + padded + TransportDataLayout.TagLength);
            WireGuardMessage.WriteType(message, MessageType.TransportData);
            WireGuardMessage.WriteIndex(message, TransportDataLayout.Receiver, keypair.RemoteIndex);
            BinaryPrimitives.WriteUInt64LittleEndian(message[TransportDataLayout.Counter..], counter);
            var plaintext = message.Slice(TransportDataLayout.HeaderLength, padded);
            plaintext[packetLength..].Clear();
            WriteNonce(nonce, counter);
            keypair.SendCipher.Encrypt(nonce, plaintext, plaintext, message[^TransportDataLayout.TagLength..]);
            return message.Length;
        }
    }

    /// <summary>
    /// Authenticates and decrypts a transport message in place. Returns the padded plaintext length
    /// (the plaintext starts at offset 16), or -1 when the message is forged, corrupt, or its
    /// keypair was zeroed. Replay is checked by the caller afterwards, on the counter.
    /// </summary>
    public static int Open(Keypair keypair, Span<byte> message, out ulong counter)
    {
        counter = 0;
        if (message.Length < TransportDataLayout.MinimumLength)
            return -1;
        counter = BinaryPrimitives.ReadUInt64LittleEndian(message[TransportDataLayout.Counter..]);
        var ciphertext = message[TransportDataLayout.HeaderLength..^TransportDataLayout.TagLength];
        Span<byte> nonce = stackalloc byte[12];
        WriteNonce(nonce, counter);
        lock (keypair.ReceiveLock)
        {
            if (keypair.IsDisposed)
                return -1;
            try
            {
                keypair.ReceiveCipher.Decrypt(nonce, ciphertext, message[^TransportDataLayout.TagLength..], ciphertext);
                return ciphertext.Length;
            }
            catch (AuthenticationTagMismatchException)
            {
                return -1;
            }
        }
    }

    /// <summary>The AEAD nonce: 32 zero bits, then the 64-bit counter little-endian (paper §5.4.6).</summary>
    private static void WriteNonce(Span<byte> nonce, ulong counter)
    {
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], counter);
    }

    private static int RoundUp(int length) =>
        (length + TransportDataLayout.PaddingMultiple - 1) & ~(TransportDataLayout.PaddingMultiple - 1);
}
