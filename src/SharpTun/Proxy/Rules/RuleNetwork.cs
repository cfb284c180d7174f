namespace SharpTun.Proxy.Rules;

/// <summary>The transport of a connection, as the <c>NETWORK</c> rule names it.</summary>
public enum RuleNetwork
{
    /// <summary>TCP.</summary>
    Tcp,

    /// <summary>UDP.</summary>
    Udp,
}
