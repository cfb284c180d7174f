using System.Buffers.Binary;
using SharpTun.TestSupport;
using SharpTun.Vpn;
using SharpTun.Vpn.Messages;
using SharpTun.Vpn.Transport;

namespace SharpTun.Tests.Vpn;

public sealed class TransportCryptoTests
{
    private static (Keypair Sender, Keypair Receiver) Pair()
    {
        var a = new byte[32];
        var b = new byte[32];
        Random.Shared.NextBytes(a);
        Random.Shared.NextBytes(b);
        return (new Keypair(a, b, true, 1, 2, TimeSpan.Zero), new Keypair(b, a, false, 2, 1, TimeSpan.Zero));
    }

    [Theory]
    [InlineData(0, 1420, 0)]
    [InlineData(1, 1420, 16)]
    [InlineData(16, 1420, 16)]
    [InlineData(17, 1420, 32)]
    [InlineData(1419, 1420, 1420)]
    [InlineData(1420, 1420, 1420)]
    [InlineData(1415, 1418, 1418)]
    [InlineData(5, 0, 16)]
    public void PaddedLength_PadsTo16ButNotPastMtu(int length, int mtu, int expected)
    {
        Assert.Equal(expected, TransportCrypto.PaddedLength(length, mtu));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(84)]
    [InlineData(1420)]
    public void Seal_ThenOpen_RoundTripsInPlace(int length)
    {
        var (sender, receiver) = Pair();
        var buffer = new byte[16 + 1420 + TransportCrypto.TailRoom];
        var packet = new byte[length];
        Random.Shared.NextBytes(packet);
        packet.CopyTo(buffer, 16);

        var messageLength = TransportCrypto.Seal(sender, buffer, 16, length, 1420);
        Assert.Equal(16 + TransportCrypto.PaddedLength(length, 1420) + 16, messageLength);
        Assert.Equal((uint)MessageType.TransportData, BinaryPrimitives.ReadUInt32LittleEndian(buffer));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(4)));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(8)));

        var plaintextLength = TransportCrypto.Open(receiver, buffer.AsSpan(0, messageLength), out var counter);
        Assert.Equal(0UL, counter);
        Assert.Equal(TransportCrypto.PaddedLength(length, 1420), plaintextLength);
        Assert.Equal(packet, buffer.AsSpan(16, length).ToArray());
        Assert.True(buffer.AsSpan(16 + length, plaintextLength - length).IndexOfAnyExcept((byte)0) < 0, "padding is zeros");
    }

    [Fact]
    public void Seal_CountsUp_AndStopsAtRejectAfterMessages()
    {
        var (sender, _) = Pair();
        var buffer = new byte[64];
        Assert.True(TransportCrypto.Seal(sender, buffer, 16, 0, 1420) > 0);
        Assert.True(TransportCrypto.Seal(sender, buffer, 16, 0, 1420) > 0);
        Assert.Equal(1UL, BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(8)));
        sender.SetSendCounter(Protocol.RejectAfterMessages - 1);
        Assert.True(TransportCrypto.Seal(sender, buffer, 16, 0, 1420) > 0);
        Assert.Equal(0, TransportCrypto.Seal(sender, buffer, 16, 0, 1420));
        Assert.Equal(0, TransportCrypto.Seal(sender, buffer, 16, 0, 1420));
    }

    [Fact]
    public void Seal_WithoutHeadOrTailRoom_ReturnsMinusOne()
    {
        var (sender, _) = Pair();
        Assert.Equal(-1, TransportCrypto.Seal(sender, new byte[100], 15, 10, 1420));
        Assert.Equal(-1, TransportCrypto.Seal(sender, new byte[16 + 16 + 15], 16, 16, 1420));
    }

    [Fact]
    public void Open_TamperedTruncatedOrDisposed_ReturnsMinusOne()
    {
        var (sender, receiver) = Pair();
        var buffer = new byte[16 + 64 + TransportCrypto.TailRoom];
        var length = TransportCrypto.Seal(sender, buffer, 16, 64, 1420);
        foreach (var offset in new[] { 8, 16, 50, length - 1 })
        {
            var copy = (byte[])buffer.Clone();
            copy[offset] ^= 1;
            Assert.Equal(-1, TransportCrypto.Open(receiver, copy.AsSpan(0, length), out _));
        }
        Assert.Equal(-1, TransportCrypto.Open(receiver, buffer.AsSpan(0, 31), out _));
        Assert.Equal(-1, TransportCrypto.Open(receiver, buffer.AsSpan(0, length - 1), out _));
        receiver.Dispose();
        Assert.Equal(-1, TransportCrypto.Open(receiver, buffer.AsSpan(0, length), out _));
    }

    [Fact]
    public void Seal_FromSeveralThreadsAtOnce_EveryMessageOpensWithAUniqueCounter()
    {
        var (sender, receiver) = Pair();
        const int threads = 4, perThread = 2000;
        var messages = new byte[threads][][];
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            messages[t] = new byte[perThread][];
            for (var i = 0; i < perThread; i++)
            {
                var buffer = new byte[16 + 200 + TransportCrypto.TailRoom];
                buffer.AsSpan(16, 200).Fill((byte)t);
                var length = TransportCrypto.Seal(sender, buffer, 16, 200, 1420);
                messages[t][i] = buffer[..length];
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        var counters = new HashSet<ulong>();
        for (var t = 0; t < threads; t++)
        {
            foreach (var message in messages[t])
            {
                Assert.Equal(208, TransportCrypto.Open(receiver, message, out var counter));
                Assert.True(counters.Add(counter));
                Assert.All(message.AsSpan(16, 200).ToArray(), b => Assert.Equal((byte)t, b));
            }
        }
    }

    [Fact]
    public void SealAndOpen_1420BytePackets_AllocateNothing()
    {
        var (sender, receiver) = Pair();
        var buffer = new byte[16 + 1420 + TransportCrypto.TailRoom];
        TransportCrypto.Open(receiver, buffer.AsSpan(0, TransportCrypto.Seal(sender, buffer, 16, 1420, 1420)), out _);
        var bytes = Allocations.FewestBytes(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                var length = TransportCrypto.Seal(sender, buffer, 16, 1420, 1420);
                TransportCrypto.Open(receiver, buffer.AsSpan(0, length), out var counter);
                receiver.Replay.TryAccept(counter, Protocol.RejectAfterMessages);
            }
        });
        Assert.Equal(0, bytes);
    }
}
