using SharpTun.Dns.Upstreams;

namespace SharpTun.Tests.Dns;

/// <summary>An upstream that answers with whatever the test's script returns for each query, counting the queries.</summary>
internal sealed class ScriptedUpstream(string name, Func<byte[], CancellationToken, Task<byte[]>> script) : IDnsUpstream
{
    private int _calls;

    public string Name => name;

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>The queries received, as sent on the wire.</summary>
    public List<byte[]> Queries { get; } = [];

    /// <summary>Answers every query at once with <paramref name="answer"/>'s output.</summary>
    public static ScriptedUpstream Answering(string name, Func<byte[], byte[]> answer) =>
        new(name, (query, _) => Task.FromResult(answer(query)));

    /// <summary>Fails every query with <paramref name="reason"/>.</summary>
    public static ScriptedUpstream Failing(string name, string reason) =>
        new(name, (_, _) => Task.FromException<byte[]>(new DnsUpstreamException($"{name}: {reason}")));

    /// <summary>Never answers; only cancellation ends its exchanges.</summary>
    public static ScriptedUpstream Silent(string name) =>
        new(name, async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });

    public async ValueTask<int> ExchangeAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken ct)
    {
        Interlocked.Increment(ref _calls);
        var copy = query.ToArray();
        lock (Queries)
            Queries.Add(copy);
        var answer = await script(copy, ct);
        answer.CopyTo(response);
        return answer.Length;
    }
}
