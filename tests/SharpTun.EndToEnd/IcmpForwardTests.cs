using SharpTun.TestSupport;

namespace SharpTun.EndToEnd;

/// <summary>
/// <c>sharptun exec --icmp forward -- ping</c>: the echo requests really reach the remote namespace
/// (its ICMP counters say so) and its replies reach ping, which accepts only replies carrying its
/// own identifier; an address nobody has gets no reply, as it would without SharpTun, while
/// <c>--icmp reply</c> answers it locally.
/// </summary>
public sealed class IcmpForwardTests : IDisposable
{
    private const string Missing4 = "10.201.0.77", Missing6 = "fd42::77";

    private readonly ProxyTestbed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Theory]
    [InlineData(false)] // the default ping_group_range "1 0": a raw socket
    [InlineData(true)]  // ping sockets allowed in the namespace SharpTun runs in
    public void Exec_IcmpForwardV4_RepliesComeFromTheRemote(bool pingSockets)
    {
        if (pingSockets)
            _bed.Client.Exec("sysctl -qw net.ipv4.ping_group_range=0\t2147483647");
        var echoesBefore = RemoteEchoesIn("Icmp:", "InEchos");

        var run = _bed.Sharptun("exec", "--icmp", "forward", "--", "ping", "-c", "3", "-W", "2", ProxyTestbed.RemoteV4);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("3 received", run.StandardOutput);
        Assert.Equal(echoesBefore + 3, RemoteEchoesIn("Icmp:", "InEchos"));
    }

    [Fact]
    public void Exec_IcmpForwardV6_RepliesComeFromTheRemote()
    {
        var echoesBefore = RemoteEchoesIn6();

        var run = _bed.Sharptun("exec", "--icmp", "forward", "--", "ping", "-c", "3", "-W", "2", ProxyTestbed.RemoteV6);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("3 received", run.StandardOutput);
        Assert.Equal(echoesBefore + 3, RemoteEchoesIn6());
    }

    [Theory]
    [InlineData(Missing4)]
    [InlineData(Missing6)]
    public void Exec_AddressNobodyHas_ForwardGetsNoReplyButReplyModeDoes(string address)
    {
        var forwarded = _bed.Sharptun("exec", "--icmp", "forward", "--", "ping", "-c", "1", "-W", "2", address);
        var answered = _bed.Sharptun("exec", "--icmp", "reply", "--", "ping", "-c", "1", "-W", "2", address);

        Assert.True(forwarded.ExitCode == 1, forwarded.ToString()); // ping: no reply
        Assert.True(answered.ExitCode == 0, answered.ToString());
    }

    /// <summary>The remote namespace's count of echo requests received, from /proc/net/snmp.</summary>
    private long RemoteEchoesIn(string section, string field)
    {
        var lines = _bed.Remote.Exec("cat /proc/net/snmp").StandardOutput.Split('\n').Where(l => l.StartsWith(section, StringComparison.Ordinal)).ToArray();
        var names = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var values = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(values[Array.IndexOf(names, field)]);
    }

    private long RemoteEchoesIn6()
    {
        var line = _bed.Remote.Exec("cat /proc/net/snmp6").StandardOutput.Split('\n').Single(l => l.StartsWith("Icmp6InEchos ", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    }
}
