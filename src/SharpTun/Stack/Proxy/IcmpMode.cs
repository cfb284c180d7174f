namespace SharpTun.Stack.Proxy;

/// <summary>What the proxy does with ICMP/ICMPv6 echo requests that enter the TUN.</summary>
public enum IcmpMode
{
    /// <summary>Answer every echo request locally (ping "works" for every destination, as in sing-box and mihomo).</summary>
    Reply,

    /// <summary>Drop them (ping times out).</summary>
    Drop,

    /// <summary>Send them on the direct path and relay the real replies back (<see cref="IcmpEchoForwarder"/>).</summary>
    Forward,
}
