namespace SharpTun.Proxy.Relay;

/// <summary>
/// What a relay did: bytes delivered each way, which side ended its sending first (FIN or reset),
/// and how the relay ended.
/// </summary>
/// <param name="BytesUp">Bytes read from the client and delivered to the remote.</param>
/// <param name="BytesDown">Bytes read from the remote and delivered to the client.</param>
/// <param name="FirstToFinish">The side whose end (FIN or reset) was seen first.</param>
/// <param name="Completion">Normal, a reset on either side, or cancellation.</param>
public readonly record struct RelayResult(long BytesUp, long BytesDown, RelaySide FirstToFinish, RelayCompletion Completion);
