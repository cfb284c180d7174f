namespace SharpTun.Proxy;

/// <summary>
/// A user name and password for a proxy (SOCKS5 RFC 1929, HTTP Basic). <see cref="ToString"/>
/// never shows the password, so credentials can appear in log lines safely.
/// </summary>
public sealed record ProxyCredentials(string UserName, string Password)
{
    /// <summary>The user name and a mask in place of the password.</summary>
    public override string ToString() => $"{UserName}:***";
}
