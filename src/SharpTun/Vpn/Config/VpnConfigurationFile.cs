namespace SharpTun.Vpn.Config;

/// <summary>Loads a wg-quick configuration file: the interface is named after the file.</summary>
public static class VpnConfigurationFile
{
    /// <summary>
    /// Reads and parses <paramref name="path"/>. Throws <see cref="VpnConfigurationException"/>
    /// when the name or the content is wrong, <see cref="IOException"/> or
    /// <see cref="UnauthorizedAccessException"/> when the file cannot be read. The result's
    /// warnings include a file that others can read (it holds a private key), as wg-quick warns.
    /// </summary>
    public static VpnConfiguration Load(string path)
    {
        if (!VpnInterfaceName.TryFromPath(path, out var name, out var error))
            throw new VpnConfigurationException([new VpnConfigurationIssue(path, null, error)]);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"{path}: no such file", path, e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new DirectoryNotFoundException($"{path}: no such file (the directory does not exist)", e);
        }
        var configuration = VpnConfigurationParser.Parse(text, name, path);
        var others = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & others) != 0)
        {
            return configuration with
            {
                Warnings = [new VpnConfigurationIssue(path, null, "the file is world accessible, and it holds a private key (chmod 600 it)"), .. configuration.Warnings],
            };
        }
        return configuration;
    }
}
