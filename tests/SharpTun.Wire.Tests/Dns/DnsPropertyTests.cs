using CsCheck;
using static SharpTun.Wire.Tests.Dns.DnsTestText;

namespace SharpTun.Wire.Tests.Dns;

/// <summary>Random input never throws or hangs the reader; random valid messages round-trip through the writer.</summary>
public sealed class DnsPropertyTests
{
    private static readonly DnsRecordType[] RoundTripTypes =
        [DnsRecordType.A, DnsRecordType.Aaaa, DnsRecordType.Cname, DnsRecordType.Ptr, DnsRecordType.Txt, DnsRecordType.Https];

    [Fact]
    public void Read_RandomBytes_NeverThrows()
    {
        Gen.Byte.Array[0, 600].Sample(bytes => WalkEverything(bytes), iter: 20_000);
    }

    [Fact]
    public void Read_RandomBodyBehindPlausibleHeader_NeverThrows()
    {
        // Small counts and a body rich in pointer tags and short lengths get past the header checks
        // and into names, pointers and RDATA.
        var body = Gen.OneOf(Gen.Byte, Gen.Byte[0xC0, 0xC1], Gen.Byte[0, 20]).Array[0, 400];
        var gen = Gen.Select(Gen.Byte[0, 3], Gen.Byte[0, 6], Gen.Byte[0, 6], body);
        gen.Sample((questions, answers, additional, rest) =>
        {
            var message = new byte[DnsHeader.Length + rest.Length];
            message[5] = questions;
            message[7] = answers;
            message[11] = additional;
            rest.CopyTo(message, DnsHeader.Length);
            WalkEverything(message);
        }, iter: 20_000);
    }

    [Fact]
    public void Read_MutatedCapturedMessages_NeverThrows()
    {
        byte[][] captured =
        [
            DnsCaptured.AliasChainResponse, DnsCaptured.AaaaResponse, DnsCaptured.PtrResponse, DnsCaptured.TxtResponse,
            DnsCaptured.HttpsResponse, DnsCaptured.SvcbResponse, DnsCaptured.LargeTxtTruncatedUdpResponse,
        ];
        var gen = Gen.Select(Gen.Int[0, captured.Length - 1], Gen.Select(Gen.Int[0, 1000], Gen.Byte).Array[1, 4]);
        gen.Sample((which, changes) =>
        {
            var message = (byte[])captured[which].Clone();
            foreach (var (position, value) in changes)
                message[position % message.Length] = value;
            WalkEverything(message);
        }, iter: 20_000);
    }

    [Fact]
    public void WriteThenRead_RandomValidMessage_RoundTrips()
    {
        var label = Gen.Char["abcdefghijklmnopqrstuvwxyzABC0123456789-_"].Array[1, 12].Select(chars => new string(chars));
        var name =
            from labels in label.Array[0, 3]
            from suffix in Gen.OneOf<string>("example.com", "example.test", "a.b.c", "svc.example.com")
            select string.Join('.', [.. labels, suffix]);
        var record =
            from owner in name
            from type in Gen.OneOf(RoundTripTypes)
            from timeToLive in Gen.UInt
            from bytes in Gen.Byte.Array[0, 300]
            from target in name
            select new GeneratedRecord(owner, type, timeToLive, bytes, target);
        var gen = Gen.Select(Gen.UShort, name, record.Array[0, 12]);

        gen.Sample((id, question, records) =>
        {
            var buffer = new byte[8192];
            var writer = new DnsMessageWriter(buffer, id, DnsFlags.Response);
            Assert.True(writer.TryWriteQuestion(WireName(question), DnsRecordType.A));
            foreach (var generated in records)
                Assert.True(Write(ref writer, generated));

            Assert.True(DnsMessageReader.TryParse(writer.Written, out var reader, out _));
            Assert.Equal((id, 1, records.Length), (reader.Header.Id, (int)reader.Header.QuestionCount, (int)reader.Header.AnswerCount));
            Assert.True(reader.TryReadQuestion(out var readQuestion));
            Assert.Equal(question, Of(readQuestion.Name));
            foreach (var generated in records)
            {
                Assert.True(reader.TryReadRecord(out var read), reader.Error.ToString());
                AssertSame(generated, read);
            }
            Assert.False(reader.TryReadRecord(out _));
            Assert.Equal(DnsError.None, reader.Error);
            Assert.Equal(writer.Length, reader.Position);
        }, iter: 2_000);
    }

    private static bool Write(ref DnsMessageWriter writer, GeneratedRecord record)
    {
        var owner = WireName(record.Owner);
        return record.Type switch
        {
            DnsRecordType.A => writer.TryWriteA(owner, record.TimeToLive, BitConverter.ToUInt32(Pad(record.Bytes, 4))),
            DnsRecordType.Aaaa => writer.TryWriteAaaa(owner, record.TimeToLive, Pad(record.Bytes, 16)),
            DnsRecordType.Cname => writer.TryWriteCname(owner, record.TimeToLive, WireName(record.Target)),
            DnsRecordType.Ptr => writer.TryWritePtr(owner, record.TimeToLive, WireName(record.Target)),
            DnsRecordType.Txt => writer.TryWriteTxt(owner, record.TimeToLive, record.Bytes),
            _ => writer.TryWriteServiceBinding(record.Type, owner, record.TimeToLive, (ushort)record.TimeToLive, WireName(record.Target), AlpnParameter(record.Bytes)),
        };
    }

    // Names compare ignoring ASCII case (RFC 4343): compression may point a name at an earlier
    // spelling that differs only in case. The question, written first, keeps its exact spelling.
    private static void AssertSame(GeneratedRecord expected, DnsResourceRecord actual)
    {
        Assert.True(actual.Name.Matches(expected.Owner), $"{Of(actual.Name)} is not {expected.Owner}");
        Assert.Equal((expected.Type, expected.TimeToLive), (actual.Type, actual.TimeToLive));
        switch (expected.Type)
        {
            case DnsRecordType.A:
                Assert.Equal(BitConverter.ToUInt32(Pad(expected.Bytes, 4)), System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(actual.Data));
                break;
            case DnsRecordType.Aaaa:
                Assert.Equal(Pad(expected.Bytes, 16), actual.Address.ToArray());
                break;
            case DnsRecordType.Cname:
            case DnsRecordType.Ptr:
                Assert.True(actual.TargetName.Matches(expected.Target), $"{Of(actual.TargetName)} is not {expected.Target}");
                break;
            case DnsRecordType.Txt:
                var joined = new List<byte>();
                foreach (var text in actual.TextStrings)
                    joined.AddRange(text.ToArray());
                Assert.Equal(expected.Bytes, joined.ToArray());
                break;
            default:
                var binding = actual.ServiceBinding;
                Assert.Equal((ushort)expected.TimeToLive, binding.Priority);
                Assert.Equal(expected.Target, Of(binding.TargetName));
                Assert.Equal(AlpnParameter(expected.Bytes), binding.ParameterBytes.ToArray());
                break;
        }
    }

    // Reads every question and record and touches every typed accessor; false-returning reads must
    // come with an error or the end of the message.
    private static void WalkEverything(ReadOnlySpan<byte> message)
    {
        if (!DnsMessageReader.TryParse(message, out var reader, out var error))
        {
            Assert.NotEqual(DnsError.None, error);
            return;
        }
        Span<char> text = stackalloc char[4 * DnsName.MaximumLength];
        while (reader.TryReadQuestion(out var question))
            Assert.True(question.Name.TryFormat(text, out _));
        while (reader.TryReadRecord(out var record))
        {
            Assert.True(record.Name.TryFormat(text, out _));
            switch (record.Type)
            {
                case DnsRecordType.A:
                    _ = record.Ipv4Address;
                    break;
                case DnsRecordType.Aaaa:
                    Assert.Equal(16, record.Address.Length);
                    break;
                case DnsRecordType.Cname or DnsRecordType.Ptr or DnsRecordType.Ns:
                    Assert.True(record.TargetName.TryFormat(text, out _));
                    break;
                case DnsRecordType.Txt:
                    foreach (var _ in record.TextStrings)
                    {
                    }
                    break;
                case DnsRecordType.Svcb or DnsRecordType.Https:
                    Assert.True(record.ServiceBinding.TargetName.TryFormat(text, out _));
                    foreach (var _ in record.ServiceBinding.Parameters)
                    {
                    }
                    break;
                case DnsRecordType.Opt:
                    foreach (var _ in record.Opt.Options)
                    {
                    }
                    break;
            }
        }
        Assert.True(reader.Error != DnsError.None || reader.Section == DnsSection.End);
    }

    private static byte[] Pad(byte[] bytes, int length)
    {
        var padded = new byte[length];
        bytes.AsSpan(0, Math.Min(length, bytes.Length)).CopyTo(padded);
        return padded;
    }

    // An alpn SvcParam (key 1) holding one protocol id of up to 255 of the bytes (RFC 9460 §7.1).
    private static byte[] AlpnParameter(byte[] bytes)
    {
        int length = Math.Min(bytes.Length, 255);
        var parameter = new byte[5 + length];
        parameter[1] = (byte)DnsServiceParameterKey.Alpn;
        parameter[2] = (byte)((1 + length) >> 8);
        parameter[3] = (byte)(1 + length);
        parameter[4] = (byte)length;
        bytes.AsSpan(0, length).CopyTo(parameter.AsSpan(5));
        return parameter;
    }

    public sealed record GeneratedRecord(string Owner, DnsRecordType Type, uint TimeToLive, byte[] Bytes, string Target);
}
