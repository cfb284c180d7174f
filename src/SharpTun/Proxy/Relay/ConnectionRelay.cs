using System.Buffers;
using System.Net.Sockets;

namespace SharpTun.Proxy.Relay;

/// <summary>
/// Copies bytes both ways between the client and remote connections until both are done.
/// <list type="bullet">
/// <item>Half-close: when one side finishes sending (reads return 0), the other side's socket gets
/// <c>Shutdown(Send)</c> (a FIN), and the opposite direction keeps flowing until it finishes too.</item>
/// <item>Reset: when one side resets (or its socket fails), the other is closed abortively (RST) so
/// the reset reaches it, and both directions stop.</item>
/// <item>Buffers: each direction waits for data with a zero-byte read, holding no buffer while idle,
/// then rents a buffer from the shared pool for as long as data keeps coming (a read that fills the
/// buffer means more is probably waiting). A direction starts with <see cref="BufferSize"/> bytes
/// and moves to <see cref="BulkBufferSize"/> once a read fills that: a bulk transfer then moves up
/// to 1 MiB per read and send, which costs a third less CPU per byte than 64 KiB reads here
/// (docs/benchmarks.md, "Relay buffer size"), while an idle flow still holds no buffer at all.</item>
/// </list>
/// Ordinary endings are values in the <see cref="RelayResult"/>, never exceptions. The relay has no
/// idle timeout of its own: a caller that wants one cancels <c>ct</c>. On return both sockets are
/// shut down or closed; the caller still disposes both connections.
/// </summary>
public static class ConnectionRelay
{
    /// <summary>Bytes per read until a read fills them: 64 KiB, the largest single TSO/GRO packet.</summary>
    public const int BufferSize = 64 * 1024;

    /// <summary>Bytes per read once a direction has shown it is a bulk transfer.</summary>
    public const int BulkBufferSize = 1024 * 1024;

    /// <summary>Relays until both directions finish, one side resets, or <paramref name="ct"/> is cancelled.</summary>
    public static async Task<RelayResult> RunAsync(ProxyConnection client, ProxyConnection remote, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(remote);
        var state = new RelayState(client, remote);
        Task<long> up, down;
        using (ct.UnsafeRegister(static s => ((RelayState)s!).Cancel(), state))
        {
            up = PumpAsync(state, RelaySide.Client);
            down = PumpAsync(state, RelaySide.Remote);
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        return new RelayResult(up.Result, down.Result, state.FirstToFinish, state.Completion);
    }

    /// <summary>Copies from <paramref name="from"/> to the other side; returns the bytes delivered.</summary>
    private static async Task<long> PumpAsync(RelayState state, RelaySide from)
    {
        var source = state.Get(from);
        var destination = state.Get(Other(from));
        byte[]? buffer = null;
        var size = BufferSize;
        var total = 0L;
        try
        {
            while (true)
            {
                int count;
                try
                {
                    if (buffer is null)
                    {
                        await source.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
                        buffer = ArrayPool<byte>.Shared.Rent(size);
                    }
                    count = await source.ReceiveAsync(buffer.AsMemory(0, size), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (IsConnectionEnd(e))
                {
                    state.Reset(from);
                    return total;
                }
                if (count == 0)
                {
                    state.Finished(from);
                    return total;
                }
                try
                {
                    await destination.SendAsync(buffer.AsMemory(0, count), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (IsConnectionEnd(e))
                {
                    if (state.HasFinished(Other(from)))
                    {
                        // The other side already sent its whole answer and FIN, then refused more data
                        // (a server that answers without reading and closes). An RST now would discard
                        // that answer from our socket's send queue before the sender read it; let the
                        // sender finish instead, and drop what it still sends.
                        await DrainAsync(source).ConfigureAwait(false);
                        state.Finished(from);
                        return total;
                    }
                    state.Reset(Other(from));
                    return total;
                }
                total += count;
                if (count < size || size < BulkBufferSize)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                    if (count == size)
                        size = BulkBufferSize; // a full read: more is waiting, in bigger reads from now on
                }
            }
        }
        finally
        {
            if (buffer is not null)
                ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Most bytes dropped while draining a sender whose peer is gone, before resetting it instead.</summary>
    private const int MaximumDrainBytes = 1 << 20;

    /// <summary>Reads and drops until the sender closes, resets, or sends more than <see cref="MaximumDrainBytes"/>; then closes it.</summary>
    private static async Task DrainAsync(ProxyConnection sender)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            var drained = 0L;
            int count;
            while (drained < MaximumDrainBytes && (count = await sender.ReceiveAsync(scratch, CancellationToken.None).ConfigureAwait(false)) > 0)
                drained += count;
            if (drained >= MaximumDrainBytes)
                sender.Abort();
        }
        catch (Exception e) when (IsConnectionEnd(e))
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static RelaySide Other(RelaySide side) => side == RelaySide.Client ? RelaySide.Remote : RelaySide.Client;

    /// <summary>Socket failures (reset, broken pipe, our own abort) and use after our own close.</summary>
    private static bool IsConnectionEnd(Exception e) => e is SocketException or ObjectDisposedException;

    /// <summary>What the two directions share: the connections, who finished first, and how it ended.</summary>
    private sealed class RelayState(ProxyConnection client, ProxyConnection remote)
    {
        private readonly Lock _lock = new();
        private RelaySide? _first;
        private RelayCompletion? _abnormal;

        public RelaySide FirstToFinish => _first ?? RelaySide.Client;

        public RelayCompletion Completion => _abnormal ?? RelayCompletion.Normal;

        public ProxyConnection Get(RelaySide side) => side == RelaySide.Client ? client : remote;

        private bool _clientFinished, _remoteFinished;

        /// <summary>Whether <paramref name="side"/> has sent its FIN (and everything before it was passed on).</summary>
        public bool HasFinished(RelaySide side)
        {
            lock (_lock)
                return side == RelaySide.Client ? _clientFinished : _remoteFinished;
        }

        /// <summary><paramref name="side"/> finished sending: pass the FIN on.</summary>
        public void Finished(RelaySide side)
        {
            lock (_lock)
            {
                _first ??= side;
                if (side == RelaySide.Client)
                    _clientFinished = true;
                else
                    _remoteFinished = true;
            }
            try
            {
                Get(Other(side)).Socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The other side is already gone; its own pump reports how.
            }
        }

        /// <summary>
        /// <paramref name="side"/> reset or failed: pass the reset on to the other side and close
        /// this one, which ends the other direction too. A failure seen after the relay already
        /// ended abnormally (our own abort surfacing in the other pump) changes nothing.
        /// </summary>
        public void Reset(RelaySide side)
        {
            lock (_lock)
            {
                _first ??= side;
                if (_abnormal is not null)
                    return;
                _abnormal = side == RelaySide.Client ? RelayCompletion.ClientReset : RelayCompletion.RemoteReset;
            }
            Get(Other(side)).Abort();
            Get(side).Abort();
        }

        /// <summary>The caller cancelled: reset both sides, which ends both pumps.</summary>
        public void Cancel()
        {
            lock (_lock)
            {
                if (_abnormal is not null)
                    return;
                _abnormal = RelayCompletion.Canceled;
            }
            client.Abort();
            remote.Abort();
        }
    }
}
