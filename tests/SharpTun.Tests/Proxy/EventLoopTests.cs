using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using SharpTun.Interop;
using SharpTun.Proxy.Relay;

namespace SharpTun.Tests.Proxy;

public sealed class EventLoopTests
{
    private sealed class Recorder(EventLoop loop, Action<uint>? onReady = null) : IReadinessHandler
    {
        public readonly List<(uint Events, bool OnLoop)> Calls = [];

        public void OnReady(uint events)
        {
            lock (Calls)
                Calls.Add((events, loop.IsLoopThread));
            onReady?.Invoke(events);
        }
    }

    [Fact]
    public async Task Post_RunsOnTheLoopThreadInOrder()
    {
        using var loop = new EventLoop("test", TimeSpan.Zero, NullLogger.Instance);
        loop.Start();
        var seen = new List<(int, bool)>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < 100; i++)
            loop.Post(s => seen.Add(((int)s!, loop.IsLoopThread)), i);
        loop.Post(_ => done.SetResult(), null);

        await done.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (i, true)), seen);
    }

    [Fact]
    public void Post_WhileTheLoopDrains_NoneIsLeftWaiting()
    {
        // Posts racing with the loop's drain of earlier posts must still wake it. If one race lost
        // a wake-up, every later post would wait for an unrelated event, and the last one would
        // never run here, where there is none.
        var loop = new EventLoop("test", TimeSpan.Zero, NullLogger.Instance);
        loop.Start();
        var count = 0;
        using var ran = new ManualResetEventSlim();
        const int Posts = 200_000;
        for (var i = 0; i < Posts; i++)
            loop.Post(_ => count++, null);
        loop.Post(_ => ran.Set(), null);

        // Not disposed when it failed: stopping would wait for a wake-up that never comes.
        Assert.True(ran.Wait(TimeSpan.FromSeconds(10)), "the last posted action did not run");
        Assert.Equal(Posts, count);
        loop.Dispose();
    }

    [Fact]
    public async Task Register_ReadableSocket_HandlerCalledWithEpollIn_UntilUnregistered()
    {
        using var loop = new EventLoop("test", TimeSpan.Zero, NullLogger.Instance);
        var (a, b) = await ProxyTestSupport.SocketPairAsync();
        using var _ = a;
        using var __ = b;
        var readable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Recorder? recorder = null;
        var token = -1;
        recorder = new Recorder(loop, events =>
        {
            // Level-triggered: without reading, it would be called again; unregistering stops that.
            loop.Unregister(b.SafeHandle, token);
            readable.TrySetResult();
        });
        token = loop.Register(b.SafeHandle, Libc.EPOLLIN, recorder);
        loop.Start();

        a.Send("x"u8);
        await readable.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(100);
        lock (recorder.Calls)
            Assert.Equal([(Libc.EPOLLIN, true)], recorder.Calls);
    }

    [Fact]
    public async Task RunSoon_CalledAfterTheRoundWithNoEvents_OnceEvenIfAskedTwice()
    {
        using var loop = new EventLoop("test", TimeSpan.Zero, NullLogger.Instance);
        loop.Start();
        var soon = new Recorder(loop);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Post(_ =>
        {
            loop.RunSoon(soon);
            loop.RunSoon(soon);
        }, null);
        loop.Post(_ => loop.RunSoon(new Recorder(loop, _ => done.SetResult())), null);

        await done.Task.WaitAsync(TimeSpan.FromSeconds(5));
        lock (soon.Calls)
            Assert.Equal([(0u, true)], soon.Calls);
    }

    [Fact]
    public async Task HandlerThrows_LoopGoesOn()
    {
        using var loop = new EventLoop("test", TimeSpan.Zero, NullLogger.Instance);
        loop.Start();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Post(_ => throw new InvalidOperationException("a bug"), null);
        loop.Post(_ => done.SetResult(), null);

        await done.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    private sealed class TimerRecorder(string name, List<(string, long)> fired, TaskCompletionSource? last = null) : ITimerHandler
    {
        public void OnTimer()
        {
            fired.Add((name, Stopwatch.GetTimestamp()));
            last?.SetResult();
        }
    }

    [Fact]
    public async Task RunAt_CallsEachHandlerAfterItsDeadline_EarliestFirst()
    {
        using var loop = new EventLoop("test", TimeSpan.Zero, NullLogger.Instance);
        loop.Start();
        var fired = new List<(string, long)>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long start = 0;
        loop.Post(_ =>
        {
            start = Stopwatch.GetTimestamp();
            loop.RunAt(new TimerRecorder("late", fired, done), start + Stopwatch.Frequency / 20); // 50 ms
            loop.RunAt(new TimerRecorder("early", fired), start + Stopwatch.Frequency / 100);    // 10 ms
        }, null);

        await done.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["early", "late"], fired.Select(f => f.Item1));
        Assert.True(fired[0].Item2 >= start + Stopwatch.Frequency / 100, "the early timer fired before its deadline");
        Assert.True(fired[1].Item2 >= start + Stopwatch.Frequency / 20, "the late timer fired before its deadline");
    }

    [Fact]
    public void Stop_BeforeStart_And_Twice_ReturnAtOnce()
    {
        var loop = new EventLoop("test", TimeSpan.Zero, NullLogger.Instance);
        loop.Stop();
        loop.Dispose();
    }

    [Fact]
    public async Task BusyPoll_StillSleepsAndWakesForPostedWork()
    {
        using var loop = new EventLoop("test", TimeSpan.FromMilliseconds(1), NullLogger.Instance);
        loop.Start();
        for (var i = 0; i < 3; i++)
        {
            await Task.Delay(20); // past the window: the loop sleeps in epoll_wait again
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            loop.Post(_ => done.SetResult(), null);
            await done.Task.WaitAsync(TimeSpan.FromSeconds(5));
        }
    }
}
