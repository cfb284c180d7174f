using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using SharpTun.Vpn.Transport;

namespace SharpTun.Benchmarks.Vpn;

/// <summary>
/// The WireGuard data path's crypto on one 1420-byte packet (the default MTU): sealing in place
/// (header into the headroom, padding, ChaCha20-Poly1305, tag), and sealing then opening it again
/// with the replay check, as one packet costs end to end.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class TransportCryptoBenchmarks
{
    private const int Mtu = 1420;
    private readonly byte[] _buffer = new byte[16 + Mtu + TransportCrypto.TailRoom];
    private Keypair _sender = null!;
    private Keypair _receiver = null!;

    [GlobalSetup]
    public void Setup()
    {
        var a = RandomNumberGenerator.GetBytes(32);
        var b = RandomNumberGenerator.GetBytes(32);
        _sender = new Keypair(a, b, true, 1, 2, TimeSpan.Zero);
        _receiver = new Keypair(b, a, false, 2, 1, TimeSpan.Zero);
        RandomNumberGenerator.Fill(_buffer.AsSpan(16, Mtu));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _receiver.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int Seal1420() => TransportCrypto.Seal(_sender, _buffer, 16, Mtu, Mtu);

    [Benchmark]
    public bool SealThenOpen1420()
    {
        var length = TransportCrypto.Seal(_sender, _buffer, 16, Mtu, Mtu);
        return TransportCrypto.Open(_receiver, _buffer.AsSpan(0, length), out var counter) == Mtu
            && _receiver.Replay.TryAccept(counter, SharpTun.Vpn.Protocol.RejectAfterMessages);
    }
}
