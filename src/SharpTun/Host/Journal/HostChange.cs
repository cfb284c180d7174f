using System.Text.Json.Serialization;

namespace SharpTun.Host.Journal;

/// <summary>
/// One change SharpTun made to the host, as written to the journal before it is applied. Each kind
/// knows how to undo itself. A new kind (an nftables table, a sysctl) is a new record deriving
/// from this with its own <see cref="Undo"/>, plus a <see cref="JsonDerivedTypeAttribute"/> line here.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(TunDeviceChange), "tun")]
[JsonDerivedType(typeof(AddressChange), "address")]
[JsonDerivedType(typeof(RouteChange), "route")]
[JsonDerivedType(typeof(RuleChange), "rule")]
[JsonDerivedType(typeof(MtuChange), "mtu")]
[JsonDerivedType(typeof(LinkStateChange), "link-state")]
[JsonDerivedType(typeof(NetworkNamespaceChange), "netns")]
[JsonDerivedType(typeof(SysctlChange), "sysctl")]
[JsonDerivedType(typeof(NftablesTableChange), "nftables-table")]
[JsonDerivedType(typeof(ResolvConfChange), "resolv-conf")]
[JsonDerivedType(typeof(ResolvconfRecordChange), "resolvconf-record")]
[JsonDerivedType(typeof(ResolvedLinkChange), "resolved-link")]
public abstract record HostChange
{
    /// <summary>
    /// True for a change that does not go away with the network namespace it was made from (a
    /// file such as /etc/resolv.conf): cleanup undoes it even when that namespace is gone.
    /// </summary>
    [JsonIgnore]
    public virtual bool OutlivesNetworkNamespace => false;

    /// <summary>
    /// Reverts the change in the namespace <paramref name="context"/> acts in. May throw
    /// <see cref="Interop.InteropException"/>; "already gone" errors (ENOENT, ESRCH, ENODEV,
    /// EADDRNOTAVAIL) count as undone.
    /// </summary>
    public abstract void Undo(UndoContext context);
}
