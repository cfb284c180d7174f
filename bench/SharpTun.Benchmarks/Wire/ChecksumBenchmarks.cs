using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using SharpTun.Wire;

namespace SharpTun.Benchmarks.Wire;

/// <summary>
/// The Internet checksum over a small packet, a full Ethernet MTU and a 64 KiB GSO super-packet:
/// the vectorised <see cref="Checksum"/> against its scalar path and the word-by-word reference.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class ChecksumBenchmarks
{
    private byte[] _data = [];

    [Params(64, 1500, 65536)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Size];
        new Random(1071).NextBytes(_data);
    }

    [Benchmark(Baseline = true)]
    public ushort Vectorised() => Checksum.Compute(_data);

    [Benchmark]
    public ushort Scalar()
    {
        ushort word = Checksum.FoldToWord(Checksum.SumNativeOrderScalar(_data));
        return (ushort)~(BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(word) : word);
    }

    [Benchmark]
    public ushort Reference() => ReferenceChecksum.Compute(_data);
}
