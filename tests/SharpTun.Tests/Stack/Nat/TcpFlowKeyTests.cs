using SharpTun.Stack.Nat;

namespace SharpTun.Tests.Stack.Nat;

public sealed class TcpFlowKeyTests
{
    private static readonly TcpFlowKey Key = new(NatEndpoint.V4(0x0A000002, 40000), NatEndpoint.V4(0x5DB8D822, 443));

    [Fact]
    public void Equals_SameFields_EqualWithSameHash()
    {
        var copy = new TcpFlowKey(NatEndpoint.V4(0x0A000002, 40000), NatEndpoint.V4(0x5DB8D822, 443));
        Assert.True(Key.Equals(copy));
        Assert.Equal(Key.GetHashCode(), copy.GetHashCode());
    }

    [Fact]
    public void Equals_AnyFieldDiffers_NotEqual()
    {
        TcpFlowKey[] others =
        [
            Key with { Source = Key.Source with { Address = 0x0A000003 } },
            Key with { Source = Key.Source with { Port = 40001 } },
            Key with { Source = Key.Source with { IsIPv6 = true } },
            Key with { Destination = Key.Destination with { Address = 0x5DB8D823 } },
            Key with { Destination = Key.Destination with { Port = 444 } },
            Key with { Destination = Key.Destination with { IsIPv6 = true } },
            new(Key.Destination, Key.Source),
        ];
        foreach (var other in others)
            Assert.False(Key.Equals(other), other.ToString());
    }
}
