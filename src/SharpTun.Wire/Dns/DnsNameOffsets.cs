using System.Runtime.CompilerServices;

namespace SharpTun.Wire;

/// <summary>
/// Offsets of the labels <see cref="DnsMessageWriter"/> has written, the targets its compression
/// pointers may use; a fixed inline array, so the writer allocates nothing.
/// </summary>
[InlineArray(Capacity)]
internal struct DnsNameOffsets
{
    /// <summary>Labels remembered per message; later labels are written in full, still correct, just longer.</summary>
    public const int Capacity = 32;

    private ushort _first;
}
