namespace SharpTun.Wire.Tests;

/// <summary>The per-packet paths must not allocate (STYLE.md habit 8).</summary>
public sealed class AllocationTests
{
    [Fact]
    public void ParseRewriteAndChecksum_HotPath_AllocatesNothing()
    {
        var syn = Captured.Ipv4TcpSyn;
        var echo = Captured.Ipv6IcmpEchoRequest;
        Assert.True(HotPath(syn, echo));

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool allValid = true;
        for (int i = 0; i < 100; i++)
            allValid &= HotPath(syn, echo);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allValid);
        Assert.Equal(0, allocated);
    }

    // No assertions inside: xunit's asserts allocate.
    private static bool HotPath(byte[] syn, byte[] echo)
    {
        if (!Ipv4Packet.TryParse(syn, out var packet) || !TcpSegment.TryParse(packet.Payload, out var segment))
            return false;
        if (!segment.TryReadOptions(out var options) || options.MaximumSegmentSize != 1460)
            return false;
        int optionCount = 0;
        foreach (var option in segment.Options)
        {
            if (option.Kind != TcpOptionKind.NoOperation)
                optionCount++;
        }
        uint oldAddress = packet.Destination;
        packet.Destination = ~oldAddress;
        packet.HeaderChecksum = IncrementalChecksum.Update(packet.HeaderChecksum, oldAddress, ~oldAddress);
        segment.UpdateChecksum(packet.PseudoHeaderSum());

        if (!Ipv6Packet.TryParse(echo, out var ipv6) || !IcmpV6Packet.TryParse(ipv6.UpperLayerPayload, out var icmp))
            return false;
        ipv6.SwapAddresses();
        icmp.SetTypeAndCode(icmp.Type == IcmpV6Type.EchoRequest ? IcmpV6Type.EchoReply : IcmpV6Type.EchoRequest, 0);
        return optionCount == 4 && packet.IsHeaderChecksumValid && icmp.IsChecksumValid(ipv6.PseudoHeaderSum());
    }
}
