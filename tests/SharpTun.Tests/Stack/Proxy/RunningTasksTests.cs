using SharpTun.Stack.Proxy;

namespace SharpTun.Tests.Stack.Proxy;

public sealed class RunningTasksTests
{
    [Fact]
    public async Task WaitIdleAsync_TaskEndsInTime_ReturnsTrueOnceItHasEnded()
    {
        var tasks = new RunningTasks();
        var running = new TaskCompletionSource();
        tasks.Track(running.Task);
        Assert.Equal(1, tasks.Count);

        var waiting = tasks.WaitIdleAsync(TimeSpan.FromSeconds(5));
        Assert.False(waiting.IsCompleted);
        running.SetResult();

        Assert.True(await waiting);
        Assert.Equal(0, tasks.Count);
    }

    [Fact]
    public async Task WaitIdleAsync_TaskStillRunning_ReturnsFalseAfterTheTimeout()
    {
        var tasks = new RunningTasks();
        tasks.Track(new TaskCompletionSource().Task);

        Assert.False(await tasks.WaitIdleAsync(TimeSpan.FromMilliseconds(50)));
        Assert.Equal(1, tasks.Count);
    }

    [Fact]
    public async Task Track_CompletedOrFaultedTasks_LeaveNothingToWaitFor()
    {
        var tasks = new RunningTasks();
        tasks.Track(Task.CompletedTask);
        var failing = new TaskCompletionSource();
        tasks.Track(failing.Task);
        failing.SetException(new InvalidOperationException("flow failed"));

        Assert.True(await tasks.WaitIdleAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, tasks.Count);
    }
}
