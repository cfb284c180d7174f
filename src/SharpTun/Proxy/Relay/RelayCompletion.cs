namespace SharpTun.Proxy.Relay;

/// <summary>How a relay ended.</summary>
public enum RelayCompletion
{
    /// <summary>Both sides finished sending (FIN each way); every byte read was delivered.</summary>
    Normal,

    /// <summary>The client reset (or its connection failed); the remote was reset in turn.</summary>
    ClientReset,

    /// <summary>The remote reset (or its connection failed); the client was reset in turn.</summary>
    RemoteReset,

    /// <summary>The caller cancelled; both sides were reset.</summary>
    Canceled,
}
