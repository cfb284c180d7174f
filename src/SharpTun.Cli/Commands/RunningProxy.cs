using System.Net;
using Microsoft.Extensions.Logging;
using SharpTun.Dns;
using SharpTun.Stack.Proxy;

namespace SharpTun.Cli.Commands;

/// <summary>
/// A started proxy and what it runs with; disposing stops it and saves the fake-IP table. The table
/// is also saved every <see cref="SaveInterval"/> while it runs, so that a crash loses at most that
/// much of it (the file is replaced atomically, never left half-written).
/// </summary>
public sealed class RunningProxy : IAsyncDisposable
{
    /// <summary>How often a running proxy saves its fake-IP table.</summary>
    public static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(60);

    private readonly DnsTcpListener? _dnsListener;
    private readonly DnsResolver? _resolver;
    private readonly FakeIpPool? _fakeIps;
    private readonly string? _fakeIpStore;
    private readonly ILogger _logger;
    private readonly Timer? _saving;
    private readonly Lock _saveLock = new();
    private long _savedAdditions = -1;

    public RunningProxy(TunProxy proxy, DnsTcpListener? dnsListener, DnsResolver? resolver, FakeIpPool? fakeIps, string? fakeIpStore,
        IReadOnlyList<IPAddress> dnsAddresses, ILogger logger)
    {
        Proxy = proxy;
        DnsAddresses = dnsAddresses;
        _dnsListener = dnsListener;
        _resolver = resolver;
        _fakeIps = fakeIps;
        _fakeIpStore = fakeIpStore;
        _logger = logger;
        if (fakeIps is not null && fakeIpStore is not null)
            _saving = new Timer(_ => Save(final: false), null, SaveInterval, SaveInterval);
    }

    public TunProxy Proxy { get; }

    /// <summary>The resolver addresses to give apps (empty when DNS is proxied like any UDP flow).</summary>
    public IReadOnlyList<IPAddress> DnsAddresses { get; }

    public async ValueTask DisposeAsync()
    {
        if (_saving is not null)
            await _saving.DisposeAsync().ConfigureAwait(false);
        await Proxy.DisposeAsync().ConfigureAwait(false);
        if (_dnsListener is not null)
            await _dnsListener.DisposeAsync().ConfigureAwait(false);
        if (_resolver is not null)
            await _resolver.DisposeAsync().ConfigureAwait(false);
        Save(final: true);
    }

    private void Save(bool final)
    {
        if (_fakeIps is null || _fakeIpStore is null)
            return;
        lock (_saveLock)
        {
            try
            {
                var additions = _fakeIps.Additions;
                if (!final && additions == _savedAdditions)
                    return; // no name got an address since the last save
                if (Path.GetDirectoryName(Path.GetFullPath(_fakeIpStore)) is { } directory)
                    Directory.CreateDirectory(directory);
                _fakeIps.Save(_fakeIpStore);
                _savedAdditions = additions;
                if (final)
                    _logger.LogInformation("dns: {Count} fake addresses saved to {Store}", _fakeIps.Count, _fakeIpStore);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogError("dns: cannot save the fake-IP table to {Store}: {Message}", _fakeIpStore, e.Message);
            }
        }
    }
}
