namespace SharpTun.Wire.Tests.Dns;

/// <summary>The fake-IP DNS server's per-query path must not allocate (STYLE.md habit 8).</summary>
public sealed class DnsAllocationTests
{
    [Fact]
    public void ParseQueryAndWriteFakeIpAnswer_HotPath_AllocatesNothing()
    {
        var query = QueryWithEdns();
        var response = new byte[1232];
        Assert.True(HotPath(query, response) > 0);

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool allValid = true;
        for (int i = 0; i < 100; i++)
            allValid &= HotPath(query, response) > 0;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allValid);
        Assert.Equal(0, allocated);
        Assert.True(DnsMessageReader.TryParse(response, out var reader, out _));
        Assert.True(reader.TryReadRecord(out var answer));
        Assert.Equal(0xC6120001u, answer.Ipv4Address);
    }

    // What a fake-IP server does per query; no assertions inside, xunit's asserts allocate.
    private static int HotPath(byte[] query, byte[] response)
    {
        if (!DnsMessageReader.TryParse(query, out var reader, out _) || !reader.TryReadQuestion(out var question))
            return -1;
        ushort payloadSize = 512;
        bool hasOpt = false;
        while (reader.TryReadRecord(out var record))
        {
            if (record.Type == DnsRecordType.Opt)
            {
                payloadSize = Math.Max(payloadSize, record.Opt.UdpPayloadSize);
                hasOpt = true;
            }
        }
        if (reader.Error != DnsError.None || question.Type != DnsRecordType.A || !question.Name.Matches("www.example.test"))
            return -2;

        Span<byte> name = stackalloc byte[DnsName.MaximumLength];
        name = name[..question.Name.CopyTo(name)];
        var writer = new DnsMessageWriter(response.AsSpan(0, Math.Min(response.Length, (int)payloadSize)), reader.Header.Id,
            DnsFlags.Response | DnsFlags.AuthoritativeAnswer | (reader.Header.Flags & DnsFlags.RecursionDesired));
        if (!writer.TryWriteQuestion(name, question.Type, question.Class) || !writer.TryWriteA(name, 1, 0xC6120001))
            return -3;
        if (hasOpt && !writer.TryWriteOpt(1232, dnssecOk: false))
            return -4;
        return writer.Length;
    }

    private static byte[] QueryWithEdns()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer, 0x1234, DnsFlags.RecursionDesired);
        Assert.True(writer.TryWriteQuestion(DnsTestText.WireName("www.example.test"), DnsRecordType.A));
        Assert.True(writer.TryWriteOpt(1232, dnssecOk: true));
        return writer.Written.ToArray();
    }
}
