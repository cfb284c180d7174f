using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using SharpTun.Stack.Nat;
using SharpTun.Wire;

namespace SharpTun.Dns;

/// <summary>
/// The DNS server on the TUN. In fake-IP mode (a <see cref="FakeIpPool"/> given) A and AAAA queries
/// get an address from the pool at once, on the thread that read the query and without allocating
/// for a name already in the pool; PTR queries for a fake address get its name back; HTTPS and SVCB
/// queries get an empty answer, so that address hints in them cannot lead an app around the fake
/// addresses. Everything else, names the exclude list keeps real, and every query in real mode
/// goes to the <see cref="IDnsForwarder"/>. UDP answers longer than the client takes (512 bytes,
/// or its EDNS payload size) are cut to the question with TC set, so the client asks again over TCP
/// (RFC 1035 §4.2.1, RFC 7766). Hostile input gets FORMERR, or nothing when it is not a query at all.
/// Safe for concurrent callers.
/// </summary>
public sealed partial class DnsServer
{
    /// <summary>The largest UDP answer we send whatever the client offers: the DNS Flag Day 2020 value, which avoids IP fragmentation.</summary>
    public const int MaximumUdpPayload = 1232;

    /// <summary>A query answered locally cannot be longer: a 255-byte name, the fixed fields, an OPT record and a 16-byte address.</summary>
    public const int MaximumLocalAnswer = 640;

    /// <summary><see cref="TryAnswer"/>'s result for a query that goes to the upstreams.</summary>
    public const int NeedsUpstream = 0;

    /// <summary><see cref="TryAnswer"/>'s result for a packet that is not a query (a response, or shorter than a header): no answer.</summary>
    public const int Ignore = -1;

    private const int MinimumUdpPayload = 512;

    private readonly FakeIpPool? _pool;
    private readonly IDnsForwarder? _forwarder;
    private readonly DnsServerOptions _options;
    private readonly ILogger _logger;
    private long _fakeAnswers, _forwarded, _failed;
    private int _poolFullLogged;

    /// <param name="pool">The fake addresses; null for real mode.</param>
    /// <param name="forwarder">The upstreams; null answers what would go upstream with SERVFAIL (fake-IP only, offline).</param>
    /// <param name="options">TTL, IPv6, exclude list.</param>
    /// <param name="logger">Failures, once each.</param>
    public DnsServer(FakeIpPool? pool, IDnsForwarder? forwarder, DnsServerOptions options, ILogger logger)
    {
        _pool = pool;
        _forwarder = forwarder;
        _options = options;
        _logger = logger;
    }

    /// <summary>Queries answered with a fake address (or a fake address's name).</summary>
    public long FakeAnswers => Interlocked.Read(ref _fakeAnswers);

    /// <summary>Queries sent to the upstreams.</summary>
    public long Forwarded => Interlocked.Read(ref _forwarded);

    /// <summary>Queries answered with SERVFAIL because no upstream answered or the pool was full.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>The fake-IP pool, or null in real mode.</summary>
    public FakeIpPool? Pool => _pool;

    /// <summary>
    /// Answers <paramref name="query"/> when that needs no upstream: returns the answer's length in
    /// <paramref name="response"/> (at least <see cref="MaximumLocalAnswer"/> bytes), or
    /// <see cref="NeedsUpstream"/> (call <see cref="AnswerAsync"/>), or <see cref="Ignore"/>.
    /// </summary>
    public int TryAnswer(ReadOnlySpan<byte> query, Span<byte> response)
    {
        if (query.Length < DnsHeader.Length || (BinaryPrimitives.ReadUInt16BigEndian(query[DnsHeader.Field.Flags..]) & (ushort)DnsFlags.Response) != 0)
            return Ignore;
        var id = BinaryPrimitives.ReadUInt16BigEndian(query);
        if (!DnsMessageReader.TryParse(query, out var reader, out _))
            return Status(response, id, DnsFlags.None, DnsResponseCode.FormatError);
        var recursion = reader.Header.Flags & DnsFlags.RecursionDesired;
        if (reader.Header.Opcode != DnsOpcode.Query)
            return Status(response, id, recursion, DnsResponseCode.NotImplemented);
        if (reader.Header.QuestionCount != 1 || !reader.TryReadQuestion(out var question))
            return Status(response, id, recursion, DnsResponseCode.FormatError);
        var edns = false;
        while (reader.TryReadRecord(out var record))
            edns |= record.Type == DnsRecordType.Opt;
        if (reader.Error != DnsError.None)
            return Status(response, id, recursion, DnsResponseCode.FormatError);
        if (_pool is null || question.Class != DnsClass.Internet)
            return NeedsUpstream;

        Span<char> name = stackalloc char[DnsName.MaximumLength];
        if (!question.Name.TryFormat(name, out var nameLength) || question.Name.IsRoot)
            return NeedsUpstream;
        name = name[..nameLength];
        switch (question.Type)
        {
            case DnsRecordType.A or DnsRecordType.Aaaa when _options.Exclude?.Matches(name) != true:
            {
                var ipv6 = question.Type == DnsRecordType.Aaaa;
                if (ipv6 && !_options.FakeIpv6)
                    return Answer(response, id, recursion, question, edns, default, DnsRecordType.Aaaa, default);
                if (!_pool.TryGetOrAllocate(name, ipv6, out var address))
                {
                    // Every fake address of the family is held by a name a live flow uses.
                    if (Interlocked.Exchange(ref _poolFullLogged, 1) == 0)
                        LogPoolFull(ipv6 ? "IPv6" : "IPv4");
                    Interlocked.Increment(ref _failed);
                    return Status(response, id, recursion, DnsResponseCode.ServerFailure, question, edns);
                }
                Interlocked.Exchange(ref _poolFullLogged, 0);
                Interlocked.Increment(ref _fakeAnswers);
                return Answer(response, id, recursion, question, edns, address, question.Type, default);
            }
            case DnsRecordType.Https or DnsRecordType.Svcb when _options.Exclude?.Matches(name) != true:
                return Answer(response, id, recursion, question, edns, default, question.Type, default);
            case DnsRecordType.Ptr when ReverseName.TryParse(name, out var reverse) && _pool.IsFake(reverse):
                if (!_pool.TryGetDomain(reverse, out var domain))
                    return Status(response, id, recursion, DnsResponseCode.NameError, question, edns);
                Interlocked.Increment(ref _fakeAnswers);
                return Answer(response, id, recursion, question, edns, default, DnsRecordType.Ptr, domain);
            default:
                return NeedsUpstream;
        }
    }

    /// <summary>
    /// Answers <paramref name="query"/>, asking the upstreams when needed; the answer's length in
    /// <paramref name="response"/>, or <see cref="Ignore"/>. A UDP answer longer than the client
    /// takes is cut to the question with TC set.
    /// </summary>
    public async ValueTask<int> AnswerAsync(ReadOnlyMemory<byte> query, Memory<byte> response, bool overUdp, CancellationToken ct)
    {
        var local = TryAnswer(query.Span, response.Span);
        if (local != NeedsUpstream)
            return local;
        var length = 0;
        if (_forwarder is not null)
        {
            Interlocked.Increment(ref _forwarded);
            var buffer = ArrayPool<byte>.Shared.Rent(ushort.MaxValue);
            try
            {
                length = await _forwarder.ForwardAsync(query, buffer.AsMemory(0, ushort.MaxValue), ct).ConfigureAwait(false);
                if (length >= DnsHeader.Length)
                {
                    if ((buffer[3] & 0x0F) == (int)DnsResponseCode.ServerFailure)
                        Interlocked.Increment(ref _failed); // the resolver's answer when every upstream failed
                    // The upstream's ID may differ (a cache hit, a coalesced query): the client's own goes back.
                    BinaryPrimitives.WriteUInt16BigEndian(buffer, BinaryPrimitives.ReadUInt16BigEndian(query.Span));
                    var limit = overUdp ? UdpLimit(query.Span) : response.Length;
                    if (length <= Math.Min(limit, response.Length))
                    {
                        buffer.AsSpan(0, length).CopyTo(response.Span);
                        return length;
                    }
                    return Truncated(query.Span, buffer.AsSpan(0, length), response.Span);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        Interlocked.Increment(ref _failed);
        return StatusFor(query.Span, response.Span, DnsResponseCode.ServerFailure);
    }

    /// <summary>The most a UDP answer to <paramref name="query"/> may hold: 512, or the client's EDNS size up to <see cref="MaximumUdpPayload"/>.</summary>
    public static int UdpLimit(ReadOnlySpan<byte> query)
    {
        if (!DnsMessageReader.TryParse(query, out var reader, out _) || !reader.TryReadQuestion(out _))
            return MinimumUdpPayload;
        while (reader.TryReadRecord(out var record))
        {
            if (record.Type == DnsRecordType.Opt)
                return Math.Clamp((int)record.Opt.UdpPayloadSize, MinimumUdpPayload, MaximumUdpPayload);
        }
        return MinimumUdpPayload;
    }

    /// <summary>The upstream's answer cut to its header and question, TC set: the client retries over TCP.</summary>
    private static int Truncated(ReadOnlySpan<byte> query, ReadOnlySpan<byte> answer, Span<byte> response)
    {
        if (!DnsMessageReader.TryParse(answer, out var reader, out _))
            return StatusFor(query, response, DnsResponseCode.ServerFailure);
        var header = reader.Header;
        var writer = new DnsMessageWriter(response, BinaryPrimitives.ReadUInt16BigEndian(query), header.Flags | DnsFlags.Truncated, header.Opcode, header.ResponseCode);
        if (reader.TryReadQuestion(out var question))
        {
            Span<byte> name = stackalloc byte[DnsName.MaximumLength];
            writer.TryWriteQuestion(name[..question.Name.CopyTo(name)], question.Type, question.Class);
        }
        return writer.Length;
    }

    /// <summary>A bare status answer to <paramref name="query"/>, echoing its question when it has a readable one.</summary>
    private static int StatusFor(ReadOnlySpan<byte> query, Span<byte> response, DnsResponseCode code)
    {
        var id = BinaryPrimitives.ReadUInt16BigEndian(query);
        if (!DnsMessageReader.TryParse(query, out var reader, out _))
            return Status(response, id, DnsFlags.None, code);
        var recursion = reader.Header.Flags & DnsFlags.RecursionDesired;
        return reader.TryReadQuestion(out var question)
            ? Status(response, id, recursion, code, question, edns: false)
            : Status(response, id, recursion, code);
    }

    private static int Status(Span<byte> response, ushort id, DnsFlags recursion, DnsResponseCode code) =>
        new DnsMessageWriter(response, id, DnsFlags.Response | DnsFlags.RecursionAvailable | recursion, DnsOpcode.Query, code).Length;

    private static int Status(Span<byte> response, ushort id, DnsFlags recursion, DnsResponseCode code, DnsQuestion question, bool edns)
    {
        var writer = new DnsMessageWriter(response, id, DnsFlags.Response | DnsFlags.RecursionAvailable | recursion, DnsOpcode.Query, code);
        Span<byte> name = stackalloc byte[DnsName.MaximumLength];
        writer.TryWriteQuestion(name[..question.Name.CopyTo(name)], question.Type, question.Class);
        if (edns)
            writer.TryWriteOpt(MaximumUdpPayload, dnssecOk: false);
        return writer.Length;
    }

    /// <summary>
    /// An answer with the question echoed and one record: A/AAAA with <paramref name="address"/>,
    /// PTR with <paramref name="target"/>, or none (NODATA) when <paramref name="address"/> is
    /// default and <paramref name="target"/> null.
    /// </summary>
    private int Answer(Span<byte> response, ushort id, DnsFlags recursion, DnsQuestion question, bool edns,
        NatEndpoint address, DnsRecordType type, string? target)
    {
        var writer = new DnsMessageWriter(response, id, DnsFlags.Response | DnsFlags.RecursionAvailable | recursion);
        Span<byte> name = stackalloc byte[DnsName.MaximumLength];
        name = name[..question.Name.CopyTo(name)];
        writer.TryWriteQuestion(name, question.Type, question.Class);
        var ttl = _options.FakeTimeToLive;
        if (type == DnsRecordType.A && address != default)
            writer.TryWriteA(name, ttl, (uint)address.Address);
        else if (type == DnsRecordType.Aaaa && address != default)
        {
            Span<byte> bytes = stackalloc byte[16];
            BinaryPrimitives.WriteUInt128BigEndian(bytes, address.Address);
            writer.TryWriteAaaa(name, ttl, bytes);
        }
        else if (type == DnsRecordType.Ptr && target is not null)
        {
            Span<byte> wire = stackalloc byte[DnsName.MaximumLength];
            if (DnsNameEncoding.TryEncode(target, wire, out var written) == DnsError.None)
                writer.TryWritePtr(name, ttl, wire[..written]);
        }
        if (edns)
            writer.TryWriteOpt(MaximumUdpPayload, dnssecOk: false);
        return writer.Length;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "dns: every fake {Family} address is held by a name a live flow uses; new names get SERVFAIL until flows end (a larger fake-ip range makes room)")]
    private partial void LogPoolFull(string family);
}
