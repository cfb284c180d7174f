namespace SharpTun.Stack.Nat;

/// <summary>The app's side of a TCP flow as it enters the TUN: original source and destination.</summary>
internal readonly record struct TcpFlowKey(NatEndpoint Source, NatEndpoint Destination);
