using BenchmarkDotNet.Attributes;
using SharpTun.Vpn;
using SharpTun.Vpn.Noise;

namespace SharpTun.Benchmarks.Vpn;

/// <summary>
/// One whole Noise IKpsk2 handshake, both sides in one thread: initiation with mac1, its checks
/// and consumption, response, its consumption, and the transport keys on each side (four X25519
/// on each side plus the precomputed static one; BouncyCastle's X25519 and BLAKE2s).
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class HandshakeBenchmarks
{
    private StaticIdentity _initiator = null!;
    private StaticIdentity _responder = null!;
    private HandshakeState _initiatorState = null!;
    private HandshakeState _responderState = null!;
    private CookieGenerator _toResponder = null!;
    private CookieGenerator _toInitiator = null!;
    private CookieChecker _responderChecker = null!;
    private CookieChecker _initiatorChecker = null!;
    private readonly byte[] _initiation = new byte[148];
    private readonly byte[] _response = new byte[92];
    private readonly byte[] _sendKey = new byte[32];
    private readonly byte[] _receiveKey = new byte[32];
    private DateTimeOffset _time = DateTimeOffset.UnixEpoch;
    private TimeSpan _now;

    [GlobalSetup]
    public void Setup()
    {
        _initiator = new StaticIdentity(WireGuardKey.GeneratePrivate());
        _responder = new StaticIdentity(WireGuardKey.GeneratePrivate());
        var psk = WireGuardKey.GeneratePreshared();
        _initiatorState = new HandshakeState(_initiator, _responder.PublicKey, psk);
        _responderState = new HandshakeState(_responder, _initiator.PublicKey, psk);
        _toResponder = new CookieGenerator(_responder.PublicKey);
        _toInitiator = new CookieGenerator(_initiator.PublicKey);
        _responderChecker = new CookieChecker(_responder);
        _initiatorChecker = new CookieChecker(_initiator);
    }

    [Benchmark]
    public bool FullHandshake()
    {
        // Each round needs a later timestamp and must not look like a flood.
        _time = _time.AddSeconds(1);
        _now += TimeSpan.FromSeconds(1);
        NoiseHandshake.CreateInitiation(_initiator, _initiatorState, 1, _time, _initiation);
        _toResponder.AddMacs(_initiation, _now);
        if (!_responderChecker.CheckMac1(_initiation))
            return false;
        var state = NoiseHandshake.ConsumeInitiation(_responder, _initiation, _ => _responderState, _now);
        if (state is null || !NoiseHandshake.CreateResponse(state, 2, _response))
            return false;
        _toInitiator.AddMacs(_response, _now);
        if (!_initiatorChecker.CheckMac1(_response) || !NoiseHandshake.ConsumeResponse(_initiator, _initiatorState, _response))
            return false;
        return NoiseHandshake.DeriveTransportKeys(_initiatorState, _sendKey, _receiveKey, out _)
            && NoiseHandshake.DeriveTransportKeys(_responderState, _sendKey, _receiveKey, out _);
    }
}
