using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SharpTun.Dns.Upstreams;
using SharpTun.Proxy.Outbounds;
using SharpTun.Wire;

namespace SharpTun.Dns;

/// <summary>
/// Real answers for SharpTun's DNS server and for outbounds that connect by name: a
/// <see cref="DnsCache"/> in front of an ordered list of upstreams. Concurrent queries for the same
/// question share one upstream exchange. <see cref="ExchangeAsync"/> never throws for network
/// failures: when every upstream fails, the answer is an upstream's own SERVFAIL or REFUSED if one
/// came, else a SERVFAIL written here, ready to send back. Each upstream failure is logged once,
/// with the upstream and the reason. Thread-safe; owns its upstreams and disposes them.
/// </summary>
/// <remarks>
/// <para>Upstreams are tried in order with a head start rather than raced or strictly chained.
/// mihomo sends each query to every nameserver of a group and takes the first success, so its
/// users list equivalent servers and expect the fastest answer; sing-box and dnsmasq users list a
/// primary and a backup and expect the backup to see queries only when the primary fails. Racing
/// shows every query to every provider and multiplies upstream load; a strict chain makes a dead
/// first server cost the full timeout on every query. Here the first upstream is asked alone; when
/// it fails the next is asked at once, and when it is merely slow (no answer within
/// <see cref="DnsResolverOptions.FallbackDelay"/>) the next is asked too and the first answer wins.
/// The normal case sends one query to one server, a dead server costs one fallback delay, and a
/// delay of zero gives mihomo's race.</para>
/// <para>An upstream answer of SERVFAIL or REFUSED counts as a failure (as in mihomo): the next
/// upstream may know better.</para>
/// </remarks>
public sealed partial class DnsResolver : IDomainResolver, IDnsForwarder, IAsyncDisposable
{
    /// <summary>The smallest response buffer <see cref="ExchangeAsync"/> accepts: a UDP message without EDNS (RFC 1035 §4.2.1).</summary>
    public const int MinimumResponseLength = 512;

    /// <summary>The largest DNS message, over TCP (RFC 1035 §4.2.2).</summary>
    private const int MaximumMessageLength = ushort.MaxValue;

    /// <summary>Most CNAMEs followed from the question to the addresses, as in BIND's resolver.</summary>
    private const int MaximumCnameHops = 16;

    /// <summary>Set while this resolver's upstream exchange runs, to catch an upstream that would resolve its own server's name through this resolver.</summary>
    private static readonly AsyncLocal<DnsResolver?> Exchanging = new();

    private readonly IDnsUpstream[] _upstreams;
    private readonly DnsResolverOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _flightsLock = new();
    private readonly Dictionary<byte[], Flight> _flights = new(DnsCacheKeyComparer.Instance);
    private readonly Dictionary<byte[], Flight>.AlternateLookup<ReadOnlySpan<byte>> _flightLookup;
    private readonly CancellationTokenSource _disposed = new();

    /// <param name="upstreams">At least one upstream, in order of preference; the resolver owns them.</param>
    /// <param name="options">Timeouts, fallback delay, cache limits, clock.</param>
    /// <param name="logger">Receives a warning per upstream failure.</param>
    public DnsResolver(IEnumerable<IDnsUpstream> upstreams, DnsResolverOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(upstreams);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _upstreams = [.. upstreams];
        if (_upstreams.Length == 0)
            throw new ArgumentException("a DNS resolver needs at least one upstream", nameof(upstreams));
        _options = options;
        _logger = logger;
        _time = options.TimeProvider;
        Cache = new DnsCache(options.Cache with { TimeProvider = options.TimeProvider });
        _flightLookup = _flights.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>The answers kept so far.</summary>
    public DnsCache Cache { get; }

    /// <summary>The upstreams in order of preference.</summary>
    public IReadOnlyList<IDnsUpstream> Upstreams => _upstreams;

    /// <summary>
    /// Answers <paramref name="query"/> (a whole DNS message from a client) into
    /// <paramref name="response"/> and returns the answer's length: from the cache, from an exchange
    /// already under way for the same question, or from the upstreams. The answer carries the
    /// query's ID and spelling of the name. A malformed query gets FORMERR, an opcode other than
    /// QUERY NOTIMP, total upstream failure SERVFAIL; an answer longer than <paramref name="response"/>
    /// comes back empty with TC set, so the client asks again over TCP. The answer is not cut to the
    /// client's UDP payload size: a server sending it over UDP must do that. Only cancellation
    /// through <paramref name="ct"/> throws.
    /// </summary>
    /// <param name="response">At least <see cref="MinimumResponseLength"/> bytes; 65535 never truncates.</param>
    public ValueTask<int> ExchangeAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(response.Length, MinimumResponseLength, nameof(response));
        Span<byte> key = stackalloc byte[DnsQueryInfo.MaximumKeyLength];
        var code = DnsQueryInfo.TryRead(query.Span, key, out var info, out int keyLength);
        if (code != DnsResponseCode.NoError)
            return ValueTask.FromResult(DnsMessages.WriteEmptyAnswer(query.Span, code, response.Span));
        key = key[..keyLength];
        if (Cache.TryGet(key, query.Span, info, response.Span, out int length))
            return ValueTask.FromResult(length);
        var flight = JoinFlight(key, query.Span, info);
        return AwaitFlightAsync(flight, query, info, response, ct);
    }

    /// <summary>The DNS server's queries go through <see cref="ExchangeAsync"/>; total failure is an answer here (SERVFAIL), never 0.</summary>
    ValueTask<int> IDnsForwarder.ForwardAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken ct) =>
        ExchangeAsync(query, response, ct);

    /// <summary>
    /// The addresses of <paramref name="domain"/> of <paramref name="family"/> (both when null, IPv4
    /// first), from A and AAAA answers, following CNAMEs. An address literal is returned as is and
    /// "localhost" is the loopback addresses (RFC 6761 §6.3); /etc/hosts is not read. Failures
    /// follow <see cref="IDomainResolver"/>: NXDOMAIN throws <see cref="SocketException"/> with
    /// <see cref="SocketError.HostNotFound"/>, no usable answer <see cref="SocketError.TryAgain"/>.
    /// </summary>
    public async ValueTask<IPAddress[]> ResolveAsync(string domain, AddressFamily? family, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (family is not (null or AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            throw new ArgumentException($"address family {family} is neither IPv4 nor IPv6", nameof(family));
        if (IPAddress.TryParse(domain, out var literal))
            return family is null || literal.AddressFamily == family ? [literal] : [];
        if (domain.TrimEnd('.').Equals("localhost", StringComparison.OrdinalIgnoreCase))
            return family switch { AddressFamily.InterNetwork => [IPAddress.Loopback], AddressFamily.InterNetworkV6 => [IPAddress.IPv6Loopback], _ => [IPAddress.Loopback, IPAddress.IPv6Loopback] };
        if (Exchanging.Value == this)
        {
            LogSelfResolution(domain);
            throw new SocketException((int)SocketError.TryAgain);
        }
        var v4 = family is null or AddressFamily.InterNetwork ? LookupAsync(domain, DnsRecordType.A, ct) : null;
        var v6 = family is null or AddressFamily.InterNetworkV6 ? LookupAsync(domain, DnsRecordType.Aaaa, ct) : null;
        var a = v4 is null ? default : await v4.ConfigureAwait(false);
        var aaaa = v6 is null ? default : await v6.ConfigureAwait(false);
        if (a.Addresses.Length + aaaa.Addresses.Length > 0)
            return [.. a.Addresses, .. aaaa.Addresses];
        if (a.ResponseCode == DnsResponseCode.NameError || aaaa.ResponseCode == DnsResponseCode.NameError)
            throw new SocketException((int)SocketError.HostNotFound);
        if ((v4 is not null && a.ResponseCode != DnsResponseCode.NoError) || (v6 is not null && aaaa.ResponseCode != DnsResponseCode.NoError))
            throw new SocketException((int)SocketError.TryAgain);
        return [];
    }

    /// <summary>Both families, IPv4 first; see <see cref="ResolveAsync(string, AddressFamily?, CancellationToken)"/>.</summary>
    public ValueTask<IPAddress[]> ResolveAsync(string domain, CancellationToken ct) => ResolveAsync(domain, null, ct);

    /// <summary>Stops exchanges under way (their callers get SERVFAIL) and disposes the upstreams.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
            return;
        _disposed.Cancel();
        foreach (var upstream in _upstreams)
        {
            if (upstream is IAsyncDisposable asyncDisposable)
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            else if (upstream is IDisposable disposable)
                disposable.Dispose();
        }
    }

    private Flight JoinFlight(ReadOnlySpan<byte> key, ReadOnlySpan<byte> query, in DnsQueryInfo info)
    {
        Flight flight;
        lock (_flightsLock)
        {
            if (_flightLookup.TryGetValue(key, out var running))
                return running;
            flight = new Flight(key.ToArray());
            _flights.Add(flight.Key, flight);
        }
        var upstreamQuery = new byte[DnsQueryInfo.MaximumKeyLength + DnsHeader.Length + 16];
        int length = DnsMessages.WriteUpstreamQuery(query, info, upstreamQuery);
        _ = RunFlightAsync(flight, upstreamQuery.AsMemory(0, length));
        return flight;
    }

    private static async ValueTask<int> AwaitFlightAsync(Flight flight, ReadOnlyMemory<byte> query, DnsQueryInfo info, Memory<byte> response, CancellationToken ct)
    {
        var answer = await flight.Task.WaitAsync(ct).ConfigureAwait(false);
        if (answer is null)
            return DnsMessages.WriteEmptyAnswer(query.Span, DnsResponseCode.ServerFailure, response.Span);
        if (answer.TryWriteFor(query.Span, info, 0, response.Span, out int length))
            return length;
        return DnsMessages.WriteEmptyAnswer(query.Span, DnsResponseCode.NoError, response.Span, truncated: true);
    }

    /// <summary>Runs one question's upstream exchange for everyone waiting on it; ends by caching the answer, then handing it out.</summary>
    private async Task RunFlightAsync(Flight flight, ReadOnlyMemory<byte> query)
    {
        await Task.Yield(); // the first caller goes back to waiting at once, like the others
        Exchanging.Value = this;
        DnsAnswer? answer = null;
        try
        {
            answer = await AskUpstreamsAsync(flight, query).ConfigureAwait(false);
            if (answer is not null)
                Cache.Store(flight.Key, answer);
        }
        catch (Exception e)
        {
            LogUnexpected(flight.Question, e);
        }
        finally
        {
            lock (_flightsLock)
                _flights.Remove(flight.Key);
            flight.TrySetResult(answer);
        }
    }

    /// <summary>The ordered fallback with a head start described in the remarks; null when no upstream answered at all.</summary>
    private async Task<DnsAnswer?> AskUpstreamsAsync(Flight flight, ReadOnlyMemory<byte> query)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
        var running = new List<Task<Attempt>>(_upstreams.Length);
        DnsAnswer? refusal = null;
        int next = 0;
        CancellationTokenSource? delay = null;
        Task? headStart = null;
        try
        {
            while (true)
            {
                if (headStart is null && next < _upstreams.Length)
                {
                    running.Add(AttemptAsync(_upstreams[next++], flight, query, stop.Token));
                    if (next < _upstreams.Length)
                    {
                        delay = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                        headStart = Task.Delay(_options.FallbackDelay, _time, delay.Token);
                    }
                }
                if (running.Count == 0)
                    return refusal;
                var waitFor = new Task[running.Count + (headStart is null ? 0 : 1)];
                for (int i = 0; i < running.Count; i++)
                    waitFor[i] = running[i];
                if (headStart is not null)
                    waitFor[^1] = headStart;
                var finished = await Task.WhenAny(waitFor).ConfigureAwait(false);
                if (finished == headStart)
                {
                    // Slow, not failed: the next upstream is asked too.
                    headStart = null;
                    delay!.Dispose();
                    delay = null;
                    continue;
                }
                var attempt = (Task<Attempt>)finished;
                running.Remove(attempt);
                var result = await attempt.ConfigureAwait(false);
                if (result.Answer is not null && result.Succeeded)
                    return result.Answer;
                refusal = result.Answer ?? refusal;
                if (headStart is not null)
                {
                    // Failed: the next upstream is asked at once.
                    delay!.Cancel();
                    delay.Dispose();
                    delay = null;
                    headStart = null;
                }
            }
        }
        finally
        {
            stop.Cancel(); // the upstreams still asking lost the race
            delay?.Dispose();
        }
    }

    private async Task<Attempt> AttemptAsync(IDnsUpstream upstream, Flight flight, ReadOnlyMemory<byte> query, CancellationToken stop)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaximumMessageLength);
        using var timeout = new CancellationTokenSource(_options.UpstreamTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token);
        try
        {
            int length = await upstream.ExchangeAsync(query, buffer, linked.Token).ConfigureAwait(false);
            var answer = DnsAnswer.TryCreate(buffer.AsSpan(0, length).ToArray());
            if (answer is null)
            {
                LogUpstreamFailed(upstream.Name, flight.Question, $"its {length}-byte answer does not parse");
                return default;
            }
            if (answer.ResponseCode is DnsResponseCode.ServerFailure or DnsResponseCode.Refused)
            {
                LogUpstreamFailed(upstream.Name, flight.Question, answer.ResponseCode == DnsResponseCode.Refused ? "it answered REFUSED" : "it answered SERVFAIL");
                return new Attempt(answer, Succeeded: false);
            }
            return new Attempt(answer, Succeeded: true);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return default; // another upstream answered first, or the resolver is shutting down
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            LogUpstreamFailed(upstream.Name, flight.Question, $"no answer within {_options.UpstreamTimeout.TotalSeconds:0.###} s");
            return default;
        }
        catch (DnsUpstreamException e)
        {
            LogUpstreamFailed(upstream.Name, flight.Question, WithoutName(e.Message, upstream.Name));
            return default;
        }
        catch (Exception e)
        {
            LogUpstreamFailed(upstream.Name, flight.Question, $"{e.GetType().Name}: {WithoutName(e.Message, upstream.Name)}");
            return default;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<Lookup> LookupAsync(string domain, DnsRecordType type, CancellationToken ct)
    {
        var query = ArrayPool<byte>.Shared.Rent(MinimumResponseLength);
        var response = ArrayPool<byte>.Shared.Rent(MaximumMessageLength);
        try
        {
            int queryLength = WriteQuery(domain, type, query);
            if (queryLength == 0)
                return new Lookup(DnsResponseCode.NameError, []);
            int length = await ExchangeAsync(query.AsMemory(0, queryLength), response, ct).ConfigureAwait(false);
            return ReadAddresses(query.AsSpan(0, queryLength), response.AsSpan(0, length), type);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(response);
            ArrayPool<byte>.Shared.Return(query);
        }
    }

    /// <summary>A query for <paramref name="domain"/>; 0 when the name cannot be a DNS name (it then does not exist).</summary>
    private static int WriteQuery(string domain, DnsRecordType type, Span<byte> destination)
    {
        Span<byte> name = stackalloc byte[DnsName.MaximumLength];
        if (DnsNameEncoding.TryEncode(domain, name, out int nameLength) != DnsError.None)
            return 0;
        var writer = new DnsMessageWriter(destination, UdpDnsUpstream.RandomId(), DnsFlags.RecursionDesired);
        writer.TryWriteQuestion(name[..nameLength], type);
        return writer.Length;
    }

    /// <summary>The addresses of <paramref name="type"/> at the end of the CNAME chain that starts at the question.</summary>
    private static Lookup ReadAddresses(ReadOnlySpan<byte> query, ReadOnlySpan<byte> response, DnsRecordType type)
    {
        if (!DnsMessageReader.TryParse(response, out var reader, out _))
            return new Lookup(DnsResponseCode.ServerFailure, []);
        var code = reader.Header.ResponseCode;
        if (code != DnsResponseCode.NoError)
            return new Lookup(code, []);
        Span<byte> owner = stackalloc byte[DnsName.MaximumLength];
        if (!DnsMessageReader.TryParse(query, out var queryReader, out _) || !queryReader.TryReadQuestion(out var question))
            return new Lookup(DnsResponseCode.ServerFailure, []);
        int ownerLength = question.Name.CopyTo(owner);
        for (int hop = 0; hop < MaximumCnameHops && FollowCname(response, owner, ref ownerLength); hop++)
        {
        }
        var addresses = new List<IPAddress>();
        DnsMessageReader.TryParse(response, out reader, out _);
        while (reader.TryReadRecord(out var record) && record.Section == DnsSection.Answer)
        {
            if (record.Type == type && record.Name.Matches(owner[..ownerLength]))
                addresses.Add(new IPAddress(record.Address));
        }
        return new Lookup(DnsResponseCode.NoError, [.. addresses]);
    }

    /// <summary>Moves <paramref name="owner"/> to the target of its CNAME in the answer section; false when it has none.</summary>
    private static bool FollowCname(ReadOnlySpan<byte> response, Span<byte> owner, ref int ownerLength)
    {
        DnsMessageReader.TryParse(response, out var reader, out _);
        while (reader.TryReadRecord(out var record) && record.Section == DnsSection.Answer)
        {
            if (record.Type == DnsRecordType.Cname && record.Name.Matches(owner[..ownerLength]))
            {
                ownerLength = record.TargetName.CopyTo(owner);
                return true;
            }
        }
        return false;
    }

    /// <summary>An upstream's message without the upstream's name in front, which the log line has as a field.</summary>
    private static string WithoutName(string message, string name) =>
        message.StartsWith(name, StringComparison.Ordinal) && message.AsSpan(name.Length).StartsWith(": ") ? message[(name.Length + 2)..]
        : message.StartsWith(name + " ", StringComparison.Ordinal) ? message[(name.Length + 1)..]
        : message;

    [LoggerMessage(Level = LogLevel.Warning, Message = "dns upstream {Upstream} failed for {Question}: {Reason}")]
    private partial void LogUpstreamFailed(string upstream, string question, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "a DNS upstream needs '{Domain}' resolved, which would ask this resolver itself; give that upstream as an address with the TLS name after '#' (tls://8.8.8.8#dns.google)")]
    private partial void LogSelfResolution(string domain);

    [LoggerMessage(Level = LogLevel.Error, Message = "dns exchange for {Question} failed unexpectedly")]
    private partial void LogUnexpected(string question, Exception exception);

    /// <summary>One upstream's outcome: an answer that counts, an answer that does not (SERVFAIL, REFUSED), or none.</summary>
    private readonly record struct Attempt(DnsAnswer? Answer, bool Succeeded);

    /// <summary>One A or AAAA lookup: the RCODE and the addresses (none for <c>default</c>).</summary>
    private readonly struct Lookup(DnsResponseCode responseCode, IPAddress[]? addresses)
    {
        public DnsResponseCode ResponseCode => responseCode;

        public IPAddress[] Addresses => addresses ?? [];
    }

    /// <summary>One question's upstream exchange, shared by every query for it that arrives before it ends.</summary>
    private sealed class Flight(byte[] key) : TaskCompletionSource<DnsAnswer?>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        private string? _question;

        /// <summary>The question's key (see <see cref="DnsQueryInfo"/>).</summary>
        public byte[] Key { get; } = key;

        /// <summary>"example.com A", for log lines.</summary>
        public string Question => _question ??= Describe(Key);

        private static string Describe(byte[] key)
        {
            Span<char> text = stackalloc char[DnsName.MaximumLength * 4];
            if (DnsName.TryRead(key, 0, out var name, out int end) != DnsError.None || !name.TryFormat(text, out int written))
                return "(unreadable name)";
            var type = (DnsRecordType)System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(key.AsSpan(end));
            // Mnemonics as zone files write them (AAAA, HTTPS), unknown types as TYPEnnn (RFC 3597 §5).
            var mnemonic = Enum.IsDefined(type) ? type.ToString().ToUpperInvariant() : $"TYPE{(ushort)type}";
            return $"{text[..written]} {mnemonic}";
        }
    }
}
