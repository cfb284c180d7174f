using SharpTun.Dns;
using SharpTun.TestSupport;
using SharpTun.Wire;
using static SharpTun.Tests.Dns.DnsTestMessages;

namespace SharpTun.Tests.Dns;

public sealed class DnsCacheTests
{
    private readonly ManualTimeProvider _time = new();

    private DnsCache Cache(int capacity = 16) => new(new DnsCacheOptions { Capacity = capacity, TimeProvider = _time });

    private static byte[] Get(DnsCache cache, byte[] query)
    {
        var response = new byte[4096];
        Assert.True(cache.TryGet(query, response, out int length), "expected a cache hit");
        return response[..length];
    }

    private static bool Has(DnsCache cache, byte[] query) => cache.TryGet(query, new byte[4096], out _);

    [Fact]
    public void TryGet_AfterStore_CopiesWithCallersIdAndSpelling()
    {
        var cache = Cache();
        var stored = Query("www.example.test", id: 0x1111);
        Assert.True(cache.Store(stored, AnswerA(stored, 300, "192.0.2.7")));

        var hit = Get(cache, Query("WWW.Example.TEST", id: 0xBEEF));

        Assert.Equal(0xBEEF, Id(hit));
        Assert.Equal("WWW.Example.TEST", QuestionName(hit));
        Assert.Equal([(DnsRecordType.A, 300u, "192.0.2.7")], Records(hit));
        Assert.Equal(1, cache.Hits);
    }

    [Fact]
    public void TryGet_TimePasses_TtlsCountDownThenExpire()
    {
        var cache = Cache();
        var query = Query("www.example.test");
        cache.Store(query, AnswerA(query, 300, "192.0.2.7", "192.0.2.8"));

        _time.Advance(TimeSpan.FromSeconds(100.7));
        Assert.Equal([(DnsRecordType.A, 200u, "192.0.2.7"), (DnsRecordType.A, 200u, "192.0.2.8")], Records(Get(cache, query)));
        _time.Advance(TimeSpan.FromSeconds(199));
        Assert.Equal(1u, Records(Get(cache, query))[0].Ttl);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(Has(cache, query));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Store_RecordsWithDifferentTtls_KeptForTheSmallest()
    {
        var cache = Cache();
        var query = Query("mixed.example.test");
        var answer = Answer(query, DnsResponseCode.NoError, (ref DnsMessageWriter writer, byte[] name) =>
        {
            writer.TryWriteCname(name, 3600, Name("target.example.test"));
            writer.TryWriteA(Name("target.example.test"), 60, 0xC0000207);
        });
        cache.Store(query, answer);

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal([3541u, 1u], Records(Get(cache, query)).Select(r => r.Ttl));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(Has(cache, query));
    }

    [Theory]
    [InlineData(DnsResponseCode.NameError)]
    [InlineData(DnsResponseCode.NoError)]
    public void Store_NegativeWithSoa_KeptForSoaMinimum(DnsResponseCode code)
    {
        var cache = Cache();
        var query = Query("nx.example.test", DnsRecordType.Aaaa);
        Assert.True(cache.Store(query, Negative(query, code, soaTtl: 3600, soaMinimum: 60)));

        _time.Advance(TimeSpan.FromSeconds(20));
        var hit = Get(cache, query);
        Assert.Equal(code, Header(hit).ResponseCode);
        Assert.Equal([(DnsRecordType.Soa, 3580u, "Authority")], Records(hit)); // the SOA's own TTL counts down too
        _time.Advance(TimeSpan.FromSeconds(40));
        Assert.False(Has(cache, query));
    }

    [Fact]
    public void Store_NegativeWithLongSoaMinimum_CappedAtMaximumNegativeTtl()
    {
        var cache = new DnsCache(new DnsCacheOptions { TimeProvider = _time, MaximumNegativeTimeToLive = TimeSpan.FromMinutes(5) });
        var query = Query("nx.example.test");
        cache.Store(query, Negative(query, DnsResponseCode.NameError, soaTtl: 86400, soaMinimum: 86400));

        _time.Advance(TimeSpan.FromSeconds(299));
        Assert.True(Has(cache, query));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(Has(cache, query));
    }

    [Fact]
    public void Store_LongPositiveTtl_CappedAtMaximumTtl()
    {
        var cache = new DnsCache(new DnsCacheOptions { TimeProvider = _time, MaximumTimeToLive = TimeSpan.FromSeconds(10) });
        var query = Query("long.example.test");
        cache.Store(query, AnswerA(query, 604800, "192.0.2.7"));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(Has(cache, query));
    }

    [Fact]
    public void Store_NotCacheable_Refused()
    {
        var cache = Cache();
        var query = Query("x.example.test");

        Assert.False(cache.Store(query, AnswerA(query, 0, "192.0.2.7")));
        Assert.False(cache.Store(query, Answer(query, DnsResponseCode.ServerFailure)));
        Assert.False(cache.Store(query, Answer(query, DnsResponseCode.Refused)));
        Assert.False(cache.Store(query, Answer(query, DnsResponseCode.NameError))); // no SOA (RFC 2308 §5)
        Assert.False(cache.Store(query, Answer(query, DnsResponseCode.NoError))); // NODATA without SOA
        Assert.False(cache.Store(query, Answer(query, DnsResponseCode.NoError, truncated: true)));
        Assert.False(cache.Store(query, AnswerA(Query("other.example.test"), 300, "192.0.2.7"))); // another question
        Assert.False(cache.Store(query, [1, 2, 3]));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Store_Full_EvictsLeastRecentlyUsed()
    {
        var cache = Cache(capacity: 2);
        var a = Query("a.example.test");
        var b = Query("b.example.test");
        var c = Query("c.example.test");
        cache.Store(a, AnswerA(a, 300, "192.0.2.1"));
        cache.Store(b, AnswerA(b, 300, "192.0.2.2"));
        Assert.True(Has(cache, a)); // a is now the most recently used

        cache.Store(c, AnswerA(c, 300, "192.0.2.3"));

        Assert.True(Has(cache, a));
        Assert.False(Has(cache, b));
        Assert.True(Has(cache, c));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void TryGet_DifferentTypeClassOrDnssecBits_Misses()
    {
        var cache = Cache();
        var query = Query("www.example.test");
        cache.Store(query, AnswerA(query, 300, "192.0.2.7"));

        Assert.False(Has(cache, Query("www.example.test", DnsRecordType.Aaaa)));
        Assert.False(Has(cache, Query("www.example.test", payloadSize: 1232, dnssecOk: true)));
        Assert.False(Has(cache, Query("www.example.test", checkingDisabled: true)));
        Assert.True(Has(cache, Query("www.example.test", payloadSize: 4096)));
    }

    [Fact]
    public void TryGet_ClientWithoutEdns_TrailingOptDropped()
    {
        var cache = Cache();
        var withEdns = Query("www.example.test", payloadSize: 1232);
        var answer = Answer(withEdns, DnsResponseCode.NoError, (ref DnsMessageWriter writer, byte[] name) => writer.TryWriteA(name, 300, 0xC0000207), withOpt: true);
        cache.Store(withEdns, answer);

        var plain = Get(cache, Query("www.example.test"));
        var edns = Get(cache, withEdns);

        Assert.Equal(0, Header(plain).AdditionalCount);
        Assert.Equal([(DnsRecordType.A, 300u, "192.0.2.7")], Records(plain));
        Assert.Equal(answer.Length - 11, plain.Length);
        Assert.Equal(1, Header(edns).AdditionalCount);
        Assert.Equal(answer, edns);
    }

    [Fact]
    public void TryGet_BufferTooSmallOrMalformedQuery_Misses()
    {
        var cache = Cache();
        var query = Query("www.example.test");
        var answer = AnswerA(query, 300, "192.0.2.7");
        cache.Store(query, answer);

        Assert.False(cache.TryGet(query, new byte[answer.Length - 1], out _));
        Assert.True(cache.TryGet(query, new byte[answer.Length], out int length));
        Assert.Equal(answer.Length, length);
        Assert.False(cache.TryGet(query[..20], new byte[512], out _));
        Assert.False(cache.TryGet(answer, new byte[512], out _)); // a response is not a query
    }

    [Fact]
    public void Clear_DropsEverything()
    {
        var cache = Cache();
        var query = Query("www.example.test");
        cache.Store(query, AnswerA(query, 300, "192.0.2.7"));

        cache.Clear();

        Assert.False(Has(cache, query));
        Assert.Equal(0, cache.Count);
        cache.Store(query, AnswerA(query, 300, "192.0.2.7"));
        Assert.True(Has(cache, query));
    }

    [Fact]
    public void TryGet_Hit_AllocatesNothing()
    {
        var cache = Cache();
        var query = Query("www.example.test", payloadSize: 1232);
        cache.Store(query, AnswerA(query, 300, "192.0.2.7", "192.0.2.8"));
        _time.Advance(TimeSpan.FromSeconds(5));
        var response = new byte[1232];
        Assert.True(cache.TryGet(query, response, out _));

        long allocated = Allocations.FewestBytes(() =>
        {
            for (int i = 0; i < 1000; i++)
                cache.TryGet(query, response, out _);
        });

        Assert.Equal(0, allocated);
    }
}
