namespace SharpTun.Vpn.Plan;

/// <summary>A kernel parameter the plan sets, and why.</summary>
public sealed record VpnSysctlSetting(string Name, string Value, string Reason)
{
    public override string ToString() => $"sysctl -w {Name}={Value}";
}
