namespace SharpTun.Host.Processes;

/// <summary>What one message of a sock_diag reply is.</summary>
internal enum SockDiagReplyKind
{
    /// <summary>A SOCK_DIAG_BY_FAMILY message describing one socket.</summary>
    Socket,

    /// <summary>An NLMSG_ERROR: the errno (ENOENT: no such socket), or 0 for an acknowledgement.</summary>
    Error,

    /// <summary>NLMSG_DONE, the end of a dump.</summary>
    Done,

    /// <summary>A message too short for its type or a header that does not fit: nothing after it is read.</summary>
    Malformed,
}
