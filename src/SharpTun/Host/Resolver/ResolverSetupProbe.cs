namespace SharpTun.Host.Resolver;

/// <summary>Reads the <see cref="ResolverSetup"/> of this host. Read-only, and needs no root.</summary>
public static class ResolverSetupProbe
{
    /// <summary>Where programs are looked for besides PATH: a root shell's PATH may lack the sbin directories.</summary>
    private static readonly string[] StandardDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    public static ResolverSetup Read()
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("the resolver setup is read on Linux only");
        var path = ResolvConfFile.DefaultPath;
        var setup = new ResolverSetup
        {
            ResolvConfPath = path,
            Resolvectl = FindProgram("resolvectl"),
            Resolvconf = FindProgram("resolvconf"),
            ResolvconfInterfacePrefix = ReadInterfacePrefix(),
            InInitNetworkNamespace = NetworkNamespaceId.TryOf("/proc/1/ns/net") is not { } init || init == NetworkNamespaceId.Current(),
        };
        if (MountTable.ReadCurrent().IsMountPoint(path))
            return setup with { ResolvConf = ResolvConfSetup.BindMount };
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
            return setup with { ResolvConf = ResolvConfSetup.Symlink, ResolvConfTarget = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName };
        return setup with { ResolvConf = info.Exists ? ResolvConfSetup.File : ResolvConfSetup.Missing };
    }

    /// <summary>
    /// wg-quick's <c>resolvconf_iface_prefix</c>: the first line of resolvconf's interface-order(5)
    /// that is a name of letters, digits and '-' followed by '*' (<c>tun*</c>) gives the prefix
    /// <c>tun.</c>; none gives no prefix.
    /// </summary>
    public static string InterfacePrefixFrom(string interfaceOrder)
    {
        foreach (var raw in interfaceOrder.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length >= 2 && line[^1] == '*' && line[..^1].All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
                return line[..^1] + ".";
        }
        return "";
    }

    private static string ReadInterfacePrefix()
    {
        const string InterfaceOrder = "/etc/resolvconf/interface-order";
        return File.Exists(InterfaceOrder) ? InterfacePrefixFrom(File.ReadAllText(InterfaceOrder)) : "";
    }

    /// <summary>The first executable file named <paramref name="name"/> in PATH or the standard directories.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static string? FindProgram(string name)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (var directory in directories.Concat(StandardDirectories))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
                return candidate;
        }
        return null;
    }
}
