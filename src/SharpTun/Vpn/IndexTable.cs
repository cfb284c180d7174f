using System.Collections.Concurrent;
using System.Security.Cryptography;
using SharpTun.Vpn.Transport;

namespace SharpTun.Vpn;

/// <summary>
/// The local session indices (paper §5.4.2: "sender" / "receiver" fields): random 32-bit values,
/// each naming either a handshake in progress or, once it completes, its keypair. Random so that
/// an observer learns nothing from them. Lookups are lock-free.
/// </summary>
internal sealed class IndexTable
{
    internal sealed record Entry(Peer Peer, Keypair? Keypair);

    private readonly ConcurrentDictionary<uint, Entry> _entries = new();

    /// <summary>A new unused index naming <paramref name="peer"/>'s handshake.</summary>
    public uint NewHandshakeIndex(Peer peer)
    {
        Span<byte> random = stackalloc byte[4];
        while (true)
        {
            RandomNumberGenerator.Fill(random);
            var index = BitConverter.ToUInt32(random);
            // 0 stands for "no index" in the handshake state.
            if (index != 0 && _entries.TryAdd(index, new Entry(peer, null)))
                return index;
        }
    }

    /// <summary>From now on <paramref name="index"/> names the keypair its handshake produced.</summary>
    public void SetKeypair(uint index, Keypair keypair, Peer peer) => _entries[index] = new Entry(peer, keypair);

    public bool TryGet(uint index, out Entry entry) => _entries.TryGetValue(index, out entry!);

    public void Remove(uint index)
    {
        if (index != 0)
            _entries.TryRemove(index, out _);
    }
}
