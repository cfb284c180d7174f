namespace SharpTun.Wire.Tests.Dns;

/// <summary>Hostile and broken messages: each ends in its named <see cref="DnsError"/>, never an exception.</summary>
public sealed class DnsMalformedInputTests
{
    // Header: id 0xabcd, RD, then QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT.
    private const string OneQuestion = "abcd0100" + "0001000000000000";
    private const string OneAnswer = "abcd8180" + "0000000100000000";
    private const string OneAdditional = "abcd8180" + "0000000000000001";

    // TYPE A, CLASS IN of a question; TYPE, CLASS, TTL 300 of a record.
    private const string QuestionA = "00010001";
    private const string Ttl = "0000012c";

    public static TheoryData<string, string, DnsError> Cases => new()
    {
        { "empty", "", DnsError.Truncated },
        { "header of 11 bytes", "abcd010000010000000000", DnsError.Truncated },
        { "question count with no question", OneQuestion, DnsError.TooManyRecords },
        { "counts larger than the data", OneQuestion[..^4] + "0005" + "0161" + "00" + QuestionA, DnsError.TooManyRecords },
        { "two questions, one present", "abcd0100" + "0002000000000000" + "056162636465" + "00" + QuestionA, DnsError.Truncated },
        { "question fields cut short", OneQuestion + "016100" + "0001", DnsError.Truncated },
        { "pointer to itself", OneQuestion + "c00c" + QuestionA, DnsError.PointerLoop },
        // Record 1 (offset 12) is opaque type 99 whose RDATA at 23 is a pointer to record 2's owner at
        // 25, which points back to 23: a cycle of two pointers.
        { "two-pointer cycle", "abcd8180" + "0000000200000000" + "00" + "00630001" + Ttl + "0002" + "c019" + "c017" + "00010001" + Ttl + "0004c0000201", DnsError.PointerLoop },
        { "pointer back into its own labels", OneQuestion + "0161" + "c00c" + QuestionA, DnsError.PointerLoop },
        { "forward pointer", OneQuestion + "c00e" + "016100" + QuestionA, DnsError.ForwardPointer },
        { "pointer beyond the message", OneQuestion + "c0ff" + QuestionA, DnsError.PointerBeyondMessage },
        { "pointer cut after its first byte", OneAnswer + "0a" + "61616161616161616161" + "c0", DnsError.Truncated },
        { "label length beyond the message", OneQuestion + "3f6162636465", DnsError.Truncated },
        { "label of 64", OneQuestion + "40" + new string('a', 128) + "00" + QuestionA, DnsError.LabelTooLong },
        { "length byte 0x80 (reserved label type)", OneQuestion + "80" + "6162" + "00" + QuestionA, DnsError.LabelTooLong },
        { "name of 256", OneQuestion + Labels(63, 63, 63, 62) + "00" + QuestionA, DnsError.NameTooLong },
        { "chain of 128 pointers", PointerChain(128), DnsError.TooManyPointers },
        { "record fields cut short", OneAnswer + "0361626300" + "000100010000012c", DnsError.Truncated },
        { "RDLENGTH beyond the message", OneAnswer + "00" + "00010001" + Ttl + "0004" + "c00002", DnsError.RecordDataBeyondMessage },
        { "A with RDLENGTH 5", OneAnswer + "00" + "00010001" + Ttl + "0005" + "c0000201ff", DnsError.BadRecordDataLength },
        { "A with RDLENGTH 0", OneAnswer + "00" + "00010001" + Ttl + "0000", DnsError.BadRecordDataLength },
        { "AAAA with RDLENGTH 4", OneAnswer + "00" + "001c0001" + Ttl + "0004" + "20010db8", DnsError.BadRecordDataLength },
        { "CNAME target beyond RDLENGTH", OneAnswer + "00" + "00050001" + Ttl + "0002" + "0361626300", DnsError.BadRecordData },
        { "CNAME with bytes after the target", OneAnswer + "00" + "00050001" + Ttl + "0003" + "00" + "ffff", DnsError.BadRecordData },
        { "CNAME target with a pointer loop", OneAnswer + "00" + "00050001" + Ttl + "0002" + "c017", DnsError.PointerLoop },
        { "TXT string beyond RDLENGTH", OneAnswer + "00" + "00100001" + Ttl + "0003" + "056162", DnsError.BadRecordData },
        { "TXT with empty RDATA", OneAnswer + "00" + "00100001" + Ttl + "0000", DnsError.BadRecordData },
        { "OPT in the answer section", OneAnswer + "00" + "00291000" + "00000000" + "0000", DnsError.MisplacedOpt },
        { "OPT owned by a name other than the root", OneAdditional + "016100" + "00291000" + "00000000" + "0000", DnsError.MisplacedOpt },
        { "two OPT records", "abcd8180" + "0000000000000002" + "00" + "00291000" + "00000000" + "0000" + "00" + "00291000" + "00000000" + "0000", DnsError.DuplicateOpt },
        { "OPT option beyond RDLENGTH", OneAdditional + "00" + "00291000" + "00000000" + "0006" + "000a0008aaaa", DnsError.BadRecordData },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Read_MalformedMessage_ReturnsNamedError(string why, string hex, DnsError expected)
    {
        var message = Convert.FromHexString(hex);

        Assert.True(expected == DnsTestText.ReadAll(message), $"{why}: expected {expected}, got {DnsTestText.ReadAll(message)}");
    }

    [Fact]
    public void Read_NameOf255_IsAccepted()
    {
        var message = Convert.FromHexString(OneQuestion + Labels(63, 63, 63, 61) + "00" + QuestionA);

        Assert.True(DnsMessageReader.TryParse(message, out var reader, out _));
        Assert.True(reader.TryReadQuestion(out var question));
        Assert.Equal(DnsName.MaximumLength, question.Name.WireLength);
    }

    [Fact]
    public void Read_ChainOf127Pointers_IsAccepted()
    {
        Assert.Equal(DnsError.None, DnsTestText.ReadAll(Convert.FromHexString(PointerChain(127))));
    }

    [Fact]
    public void Read_ErrorIsSticky_LaterReadsReturnFalse()
    {
        var message = Convert.FromHexString(OneQuestion + "c00c" + QuestionA);
        Assert.True(DnsMessageReader.TryParse(message, out var reader, out _));

        Assert.False(reader.TryReadQuestion(out _));
        Assert.False(reader.TryReadQuestion(out _));
        Assert.False(reader.TryReadRecord(out _));
        Assert.Equal(DnsError.PointerLoop, reader.Error);
    }

    public static TheoryData<string> CapturedMessages => new()
    {
        nameof(DnsCaptured.AliasChainQuery), nameof(DnsCaptured.AliasChainResponse), nameof(DnsCaptured.AaaaResponse),
        nameof(DnsCaptured.PtrResponse), nameof(DnsCaptured.TxtResponse), nameof(DnsCaptured.HttpsResponse),
        nameof(DnsCaptured.SvcbResponse), nameof(DnsCaptured.LargeTxtTruncatedUdpResponse), nameof(DnsCaptured.RefusedResponse),
    };

    [Theory]
    [MemberData(nameof(CapturedMessages))]
    public void Read_EveryShorterPrefixOfCapturedMessage_ReturnsError(string name)
    {
        var message = (byte[])typeof(DnsCaptured).GetProperty(name)!.GetValue(null)!;
        Assert.Equal(DnsError.None, DnsTestText.ReadAll(message));

        foreach (int length in Truncation.ShorterLengths(message))
            Assert.NotEqual(DnsError.None, DnsTestText.ReadAll(message.AsSpan(0, length)));
    }

    // Labels of the given lengths filled with 'a', as hex.
    private static string Labels(params int[] lengths)
    {
        var hex = new System.Text.StringBuilder();
        foreach (int length in lengths)
            hex.Append($"{length:x2}").Append(new string('a', 2 * length).Replace("aa", "61"));
        return hex.ToString();
    }

    // An opaque record (type 99) whose RDATA holds the root at offset 23 and then `count` - 1
    // pointers, each to the one before; a second record's owner points to the last, so reading it
    // follows `count` pointers.
    private static string PointerChain(int count)
    {
        var rdata = new System.Text.StringBuilder("00");
        for (int i = 1; i < count; i++)
            rdata.Append($"{0xC000 | (i == 1 ? 23 : 24 + 2 * (i - 2)):x4}");
        int dataLength = rdata.Length / 2;
        int last = 24 + 2 * (count - 2);
        return "abcd8180" + "0000000200000000" + "00" + "00630001" + Ttl + $"{dataLength:x4}" + rdata
            + $"{0xC000 | last:x4}" + "00010001" + Ttl + "0004c0000201";
    }
}
