namespace SharpTun.Host.Processes;

/// <summary>A process that holds a socket, and the file descriptor through which it holds it.</summary>
internal readonly record struct SocketHolder(int ProcessId, int FileDescriptor);
