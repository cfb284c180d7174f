using System.Text.Json.Serialization;
using SharpTun.Host.Resolver;

namespace SharpTun.Host.Journal;

/// <summary>
/// A record SharpTun added to resolvconf(8) (<c>resolvconf -a RECORD</c>, as wg-quick does for
/// DNS); undo deletes it with <c>resolvconf -d RECORD -f</c> (-f: no error when it is gone already),
/// and resolvconf rewrites /etc/resolv.conf from the records left.
/// </summary>
public sealed record ResolvconfRecordChange(string Program, string Record) : HostChange
{
    /// <summary>resolvconf's records are files under /run: they stay when the network namespace goes.</summary>
    [JsonIgnore]
    public override bool OutlivesNetworkNamespace => true;

    public override void Undo(UndoContext context) => ResolverCommand.Run(Program, ["-d", Record, "-f"]);

    public override string ToString() => $"resolvconf record {Record}";
}
