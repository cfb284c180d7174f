using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SharpTun.Interop;

namespace SharpTun.Proxy.Relay;

/// <summary>
/// One thread that waits in epoll_wait (level-triggered) on many descriptors and calls their
/// handlers when they are ready. The transparent proxy runs a TUN queue and the relays of the flows
/// it carries on one loop, so a message crossing SharpTun wakes one thread instead of two (the TUN
/// reader, then the relay's socket thread): on a VM a cross-CPU wake-up costs about 10 us, more
/// than everything else SharpTun does per message (docs/benchmarks.md, "Proxy latency").
/// <para>
/// Handlers run one at a time on the loop thread and must not block. <see cref="Register"/>,
/// <see cref="Modify"/>, <see cref="Unregister"/> and <see cref="RunSoon"/> are for the loop
/// thread only; other threads hand work to it with <see cref="Post"/>. <see cref="RunAt"/> calls a
/// handler once a deadline has passed (epoll_pwait2's nanosecond timeout, no timer descriptor).
/// </para>
/// </summary>
public sealed partial class EventLoop : IDisposable
{
    /// <summary>Most ready descriptors taken per epoll_wait.</summary>
    private const int MaximumEvents = 128;

    /// <summary>The data word of the eventfd that <see cref="Post"/> and <see cref="Stop"/> write to.</summary>
    private const ulong WakeupToken = ulong.MaxValue;

    private readonly FileDescriptorHandle _epoll;
    private readonly FileDescriptorHandle _wakeup;
    private readonly ConcurrentQueue<(Action<object?> Action, object? State)> _posted = new();
    private readonly List<IReadinessHandler?> _handlers = [];
    private readonly Stack<int> _freeTokens = new();
    private readonly List<int> _releasedThisRound = [];
    private readonly List<IReadinessHandler> _soon = [];
    private readonly PriorityQueue<ITimerHandler, long> _timers = new();
    private readonly Thread _thread;
    private readonly long _busyPollTicks;
    private readonly ILogger _logger;
    private volatile bool _stopping;
    private bool _started;
    private int _wakeupPending;

    /// <param name="name">The thread's name.</param>
    /// <param name="busyPoll">
    /// After handling events, keep asking epoll without sleeping for this long before blocking: a
    /// message arriving inside the window skips the wake-up, at the price of a busy core. Zero turns it off.
    /// </param>
    /// <param name="logger">Receives handler failures (a bug; the loop goes on).</param>
    public EventLoop(string name, TimeSpan busyPoll, ILogger logger)
    {
        _logger = logger;
        _busyPollTicks = (long)(busyPoll.TotalSeconds * Stopwatch.Frequency);
        _epoll = new FileDescriptorHandle(Errno.ThrowIfFailed(Libc.EpollCreate(Libc.EPOLL_CLOEXEC), "epoll_create1"));
        _wakeup = new FileDescriptorHandle(Errno.ThrowIfFailed(Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK), "eventfd for an event loop"));
        Control(Libc.EPOLL_CTL_ADD, _wakeup, Libc.EPOLLIN, WakeupToken);
        _thread = new Thread(Run) { Name = name, IsBackground = true };
    }

    /// <summary>Whether the caller runs on the loop thread.</summary>
    public bool IsLoopThread => Thread.CurrentThread == _thread;

    /// <summary>Starts the loop thread.</summary>
    public void Start()
    {
        _started = true;
        _thread.Start();
    }

    /// <summary>Watches <paramref name="fd"/> for <paramref name="events"/>; returns the token for <see cref="Modify"/> and <see cref="Unregister"/>. Loop thread only (or before <see cref="Start"/>).</summary>
    public int Register(SafeHandle fd, uint events, IReadinessHandler handler)
    {
        int token;
        if (_freeTokens.TryPop(out var free))
        {
            token = free;
            _handlers[token] = handler;
        }
        else
        {
            token = _handlers.Count;
            _handlers.Add(handler);
        }
        try
        {
            Control(Libc.EPOLL_CTL_ADD, fd, events, (ulong)token);
        }
        catch
        {
            Release(token);
            throw;
        }
        return token;
    }

    /// <summary>Changes the events watched for on a registered descriptor. Loop thread only.</summary>
    public void Modify(SafeHandle fd, int token, uint events) => Control(Libc.EPOLL_CTL_MOD, fd, events, (ulong)token);

    /// <summary>Stops watching <paramref name="fd"/> (still open). Loop thread only.</summary>
    public void Unregister(SafeHandle fd, int token)
    {
        try
        {
            Control(Libc.EPOLL_CTL_DEL, fd, 0, 0);
        }
        finally
        {
            Release(token);
        }
    }

    /// <summary>
    /// Calls <paramref name="handler"/> with no events once the events of this round are handled:
    /// for a descriptor that is probably ready because of what a handler just did (bytes sent into
    /// a socket whose packets then wait on the TUN), read in the same wake-up. Loop thread only.
    /// </summary>
    public void RunSoon(IReadinessHandler handler)
    {
        if (!_soon.Contains(handler))
            _soon.Add(handler);
    }

    /// <summary>
    /// Calls <paramref name="handler"/> once <see cref="Stopwatch.GetTimestamp"/> reaches
    /// <paramref name="deadline"/>, after that round's events. Loop thread only.
    /// </summary>
    public void RunAt(ITimerHandler handler, long deadline) => _timers.Enqueue(handler, deadline);

    /// <summary>Runs <paramref name="action"/> on the loop thread, after what was posted before it. Any thread.</summary>
    public void Post(Action<object?> action, object? state)
    {
        _posted.Enqueue((action, state));
        Wake();
    }

    /// <summary>Ends the loop once it has run what was posted, and waits for its thread. Any thread but the loop's.</summary>
    public void Stop()
    {
        if (IsLoopThread)
            throw new InvalidOperationException("an event loop cannot stop itself from a handler; it would wait for its own thread");
        _stopping = true;
        Wake();
        if (_started)
            _thread.Join();
    }

    public void Dispose()
    {
        Stop();
        _epoll.Dispose();
        _wakeup.Dispose();
    }

    private void Run()
    {
        var events = new byte[MaximumEvents * Libc.EpollEventSize];
        var busyUntil = 0L;
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            var timeout = _busyPollTicks > 0 && now < busyUntil ? 0 : NanosecondsToNextTimer(now);
            var count = Libc.EpollWaitNanoseconds(_epoll, events, timeout);
            if (count < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                    continue;
                Errno.Throw(errno, "epoll_wait");
            }
            if (count > 0 && _busyPollTicks > 0)
                busyUntil = Stopwatch.GetTimestamp() + _busyPollTicks;
            for (var i = 0; i < count; i++)
            {
                var token = Libc.EpollData(events, i);
                if (token == WakeupToken)
                {
                    if (!RunPosted())
                        return;
                    continue;
                }
                // A handler earlier in this round may have unregistered this one (a relay that ended).
                if ((int)token < _handlers.Count && _handlers[(int)token] is { } handler)
                    Call(handler, Libc.EpollEvents(events, i));
            }
            RunDueTimers();
            for (var i = 0; i < _soon.Count; i++)
                Call(_soon[i], 0);
            _soon.Clear();
            // Tokens freed in this round are reused only now: an event of this round still in the
            // array for an unregistered descriptor must not reach a handler registered meanwhile.
            foreach (var token in _releasedThisRound)
                _freeTokens.Push(token);
            _releasedThisRound.Clear();
        }
    }

    /// <summary>How long epoll may wait: until the earliest deadline, or without limit (-1) when there is none.</summary>
    private long NanosecondsToNextTimer(long now)
    {
        if (!_timers.TryPeek(out _, out var deadline))
            return -1;
        return deadline <= now ? 0 : (long)((deadline - now) * (1e9 / Stopwatch.Frequency)) + 1;
    }

    private void RunDueTimers()
    {
        if (_timers.Count == 0)
            return;
        var now = Stopwatch.GetTimestamp();
        while (_timers.TryPeek(out var handler, out var deadline) && deadline <= now)
        {
            _timers.Dequeue();
            try
            {
                handler.OnTimer();
            }
            catch (Exception e)
            {
                LogHandlerFailed(e);
            }
        }
    }

    /// <summary>Runs what was posted; false once the loop is to stop.</summary>
    private bool RunPosted()
    {
        Span<byte> counter = stackalloc byte[sizeof(ulong)];
        // Reset the eventfd first, then the flag, then drain: a Post that still saw the flag set
        // enqueued before this drain, and one that sees it clear writes the eventfd again. (Clearing
        // the flag before the read would let the read swallow a later Post's write, and that Post's
        // work would wait for some other event to wake the loop.) The exchange is a full fence, so
        // the drain sees everything enqueued before a Post that saw the flag set.
        _ = Libc.Read(_wakeup, counter);
        Interlocked.Exchange(ref _wakeupPending, 0);
        while (_posted.TryDequeue(out var work))
        {
            try
            {
                work.Action(work.State);
            }
            catch (Exception e)
            {
                LogHandlerFailed(e);
            }
        }
        return !_stopping;
    }

    private void Call(IReadinessHandler handler, uint events)
    {
        try
        {
            handler.OnReady(events);
        }
        catch (Exception e)
        {
            LogHandlerFailed(e);
        }
    }

    /// <summary>Makes the eventfd readable unless a write is already waiting to be seen.</summary>
    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakeupPending, 1) != 0)
            return;
        Span<byte> one = stackalloc byte[sizeof(ulong)];
        MemoryMarshal.Write(one, 1UL);
        Errno.ThrowIfFailed((int)Libc.Write(_wakeup, one), "eventfd write to wake an event loop");
    }

    private void Release(int token)
    {
        _handlers[token] = null;
        _releasedThisRound.Add(token);
    }

    private void Control(int operation, SafeHandle fd, uint events, ulong data)
    {
        var added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            Errno.ThrowIfFailed(Libc.EpollControl(_epoll, operation, (int)fd.DangerousGetHandle(), events, data), "epoll_ctl");
        }
        finally
        {
            if (added)
                fd.DangerousRelease();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "an event loop handler failed; the loop goes on")]
    private partial void LogHandlerFailed(Exception exception);
}
