using System.Runtime.InteropServices;

namespace SharpTun.Tun;

/// <summary>
/// One queue of a TUN device: a stream of whole IP packets (IPv4 or IPv6, no extra header).
/// One thread reads; writes may come from that thread or one other; <see cref="Close"/> from any.
/// Read and Write allocate nothing. A reader either blocks in <see cref="Read"/>, or waits for
/// <see cref="ReadableHandle"/> together with other descriptors (an event loop) and calls
/// <see cref="TryRead"/>.
/// </summary>
public interface ITunQueue : IDisposable
{
    /// <summary>
    /// Blocks until at least one packet is readable or the queue is closed; then reads up to
    /// <c>packets.Length</c> packets without blocking again. Sets <c>Offset = Headroom</c> and
    /// <c>Length</c> on each filled buffer. Returns how many were read; 0 means the queue was closed
    /// (<see cref="Close"/> or <see cref="IDisposable.Dispose"/>). A packet longer than a buffer's
    /// space after its headroom is truncated to that space.
    /// </summary>
    int Read(Span<PacketBuffer> packets);

    /// <summary>
    /// Reads up to <c>packets.Length</c> packets that are already queued, without blocking; returns
    /// how many (0 when none are, or the queue is closed). Fills the buffers like <see cref="Read"/>.
    /// </summary>
    int TryRead(Span<PacketBuffer> packets);

    /// <summary>A descriptor that polls readable (POLLIN/EPOLLIN) while <see cref="TryRead"/> has packets to return.</summary>
    SafeHandle ReadableHandle { get; }

    /// <summary>
    /// Writes each buffer's <see cref="PacketBuffer.Packet"/>, in order; returns how many were
    /// written (a full kernel queue stops the batch early). Each packet must be a complete IPv4 or
    /// IPv6 packet with valid checksums.
    /// </summary>
    int Write(ReadOnlySpan<PacketBuffer> packets);

    /// <summary>Wakes a blocked <see cref="Read"/>, which then returns 0, as do all later reads. Safe to call from another thread.</summary>
    void Close();
}
