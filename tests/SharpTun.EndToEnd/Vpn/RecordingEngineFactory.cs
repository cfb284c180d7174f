using SharpTun.Cli.Vpn;
using SharpTun.Vpn;

namespace SharpTun.EndToEnd.Vpn;

/// <summary>
/// A test double at the engine seam of <c>vpn up</c>: it carries no packets, it records what
/// <see cref="VpnSession"/> handed it and answers with a fixed status, so everything around the
/// engine (hooks, host changes, status file, stop) is tested until the real engine plugs in.
/// </summary>
internal sealed class RecordingEngineFactory : IVpnEngineFactory
{
    private readonly Exception? _startFailure;

    public RecordingEngineFactory(Exception? startFailure = null) => _startFailure = startFailure;

    public VpnEngineContext? Context { get; private set; }

    public RecordingEngine? Engine { get; private set; }

    /// <summary>Whether the device existed, named and configured, when the engine was started.</summary>
    public string? DeviceAtStart { get; private set; }

    public IVpnEngine Start(VpnEngineContext context)
    {
        Context = context;
        DeviceAtStart = $"{context.Device.Name} mtu {context.Mtu}";
        if (_startFailure is not null)
            throw _startFailure;
        Engine = new RecordingEngine(context.Configuration.Interface.PrivateKey.DerivePublic());
        return Engine;
    }
}

internal sealed class RecordingEngine(WireGuardKey publicKey) : IVpnEngine
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Stops { get; private set; }

    public Task Completion => _completion.Task;

    public VpnStatus GetStatus() => new() { PublicKey = publicKey, ListenPort = 40000 };

    /// <summary>Makes the engine end by itself with an error, as a fatal socket failure would.</summary>
    public void Fail(string reason) => _completion.TrySetException(new IOException(reason));

    public void Stop() => Stops++;

    public void Dispose() => Stop();
}
