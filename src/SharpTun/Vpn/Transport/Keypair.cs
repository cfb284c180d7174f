using System.Security.Cryptography;

namespace SharpTun.Vpn.Transport;

/// <summary>
/// The transport keys of one completed handshake (paper §5.4.5): a sending key with its counter,
/// a receiving key with its replay window, the two indices, and when and by which side it was made.
/// Disposing zeroes the keys; a data path still holding it then fails to seal or open and drops.
/// The base library's AEAD objects are not safe for concurrent use, and several threads send
/// (TUN reader, handshake thread, timers), so each direction has a lock, held for one packet.
/// </summary>
internal sealed class Keypair : IDisposable
{
    private readonly ChaCha20Poly1305 _send;
    private readonly ChaCha20Poly1305 _receive;
    private ulong _sendCounter;
    private volatile bool _disposed;

    public Keypair(ReadOnlySpan<byte> sendKey, ReadOnlySpan<byte> receiveKey, bool isInitiator, uint localIndex, uint remoteIndex, TimeSpan created)
    {
        _send = new ChaCha20Poly1305(sendKey);
        _receive = new ChaCha20Poly1305(receiveKey);
        IsInitiator = isInitiator;
        LocalIndex = localIndex;
        RemoteIndex = remoteIndex;
        Created = created;
    }

    public bool IsInitiator { get; }
    public uint LocalIndex { get; }
    public uint RemoteIndex { get; }
    public TimeSpan Created { get; }

    public ReplayWindow Replay { get; } = new();

    /// <summary>Held while sealing with <see cref="SendCipher"/> and while disposing.</summary>
    internal Lock SendLock { get; } = new();

    /// <summary>Held while opening with <see cref="ReceiveCipher"/> and while disposing.</summary>
    internal Lock ReceiveLock { get; } = new();

    public bool IsDisposed => _disposed;

    /// <summary>Counters handed out so far (the next counter to use).</summary>
    public ulong SendCounter => Volatile.Read(ref _sendCounter);

    /// <summary>Takes the next sending counter; false once the keypair has sent <see cref="Protocol.RejectAfterMessages"/> messages.</summary>
    public bool TryTakeCounter(out ulong counter)
    {
        counter = Interlocked.Increment(ref _sendCounter) - 1;
        if (counter < Protocol.RejectAfterMessages)
            return true;
        Volatile.Write(ref _sendCounter, Protocol.RejectAfterMessages);
        return false;
    }

    /// <summary>Sets the counter (tests use it to reach the message limits).</summary>
    internal void SetSendCounter(ulong counter) => Volatile.Write(ref _sendCounter, counter);

    internal ChaCha20Poly1305 SendCipher => _send;
    internal ChaCha20Poly1305 ReceiveCipher => _receive;

    public void Dispose()
    {
        lock (SendLock)
        {
            lock (ReceiveLock)
            {
                _disposed = true;
                _send.Dispose();
                _receive.Dispose();
            }
        }
    }
}
