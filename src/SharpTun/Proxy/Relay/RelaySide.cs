namespace SharpTun.Proxy.Relay;

/// <summary>One of the two connections a relay joins.</summary>
public enum RelaySide
{
    /// <summary>The connection from the app (accepted from the TUN).</summary>
    Client,

    /// <summary>The connection the outbound opened.</summary>
    Remote,
}
