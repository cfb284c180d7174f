namespace SharpTun.Stack.Proxy;

/// <summary>
/// The tasks a proxy started and did not await (a flow's connect, its relay, a UDP receive loop),
/// so that shutdown can wait for them: nothing may still run, write to the TUN or log after the
/// proxy is disposed. A task leaves the set when it completes. One entry per flow, not per packet.
/// </summary>
public sealed class RunningTasks
{
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _tasks = [];
    private TaskCompletionSource? _idle;

    /// <summary>Tasks still running.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
                return _tasks.Count;
        }
    }

    /// <summary>Adds <paramref name="task"/> until it completes; a completed task is not added.</summary>
    public void Track(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.IsCompleted)
            return;
        lock (_lock)
            _tasks.Add(task);
        task.ContinueWith(static (done, state) => ((RunningTasks)state!).Remove(done), this,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Waits until no task is running or <paramref name="timeout"/> passes; true when none is left.</summary>
    public async Task<bool> WaitIdleAsync(TimeSpan timeout)
    {
        Task idle;
        lock (_lock)
        {
            if (_tasks.Count == 0)
                return true;
            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            idle = _idle.Task;
        }
        try
        {
            await idle.WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private void Remove(Task task)
    {
        TaskCompletionSource? idle = null;
        lock (_lock)
        {
            _tasks.Remove(task);
            if (_tasks.Count == 0)
            {
                idle = _idle;
                _idle = null;
            }
        }
        idle?.TrySetResult();
    }
}
