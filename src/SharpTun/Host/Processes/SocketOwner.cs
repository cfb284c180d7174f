namespace SharpTun.Host.Processes;

/// <summary>The local process that owns a socket, as <see cref="SocketOwnerLookup"/> found it.</summary>
/// <param name="ProcessId">The pid of a process holding the socket (the first found when several share it, as after fork).</param>
/// <param name="UserId">The socket's owner uid as sock_diag reports it (the creator's, unless changed with fchown).</param>
/// <param name="Name">
/// The basename of the process's executable (<c>curl</c> for /usr/bin/curl), which is what
/// mihomo's and sing-box's PROCESS-NAME rules match; the command name from /proc/PID/comm (at most
/// 15 bytes) when the executable cannot be read, as for kernel threads.
/// </param>
/// <param name="ExecutablePath">The full path of the executable (PROCESS-PATH rules), or null when it cannot be read.</param>
public readonly record struct SocketOwner(int ProcessId, uint UserId, string Name, string? ExecutablePath);
