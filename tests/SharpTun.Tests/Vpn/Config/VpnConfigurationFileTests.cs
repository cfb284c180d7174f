using SharpTun.Vpn.Config;
using static SharpTun.Tests.Vpn.Config.TestKeys;

namespace SharpTun.Tests.Vpn.Config;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class VpnConfigurationFileTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("sharptun-vpn-config-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Load_PrivateFile_NamesTheInterfaceAfterTheFile()
    {
        var path = Write("office.conf", $"[Interface]\nPrivateKey = {AlicePrivate}\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var configuration = VpnConfigurationFile.Load(path);

        Assert.Equal("office", configuration.InterfaceName);
        Assert.Empty(configuration.Warnings);
    }

    [Fact]
    public void Load_WorldReadableFile_Warns()
    {
        var path = Write("office.conf", $"[Interface]\nPrivateKey = {AlicePrivate}\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var warning = Assert.Single(VpnConfigurationFile.Load(path).Warnings);

        Assert.Equal($"{path}: the file is world accessible, and it holds a private key (chmod 600 it)", warning.ToString());
    }

    [Fact]
    public void Load_BadFileName_IsRefusedBeforeReading()
    {
        var error = Assert.Throws<VpnConfigurationException>(() => VpnConfigurationFile.Load(Path.Combine(_directory.FullName, "my vpn.conf")));

        Assert.Contains("the file name must be the interface name", Assert.Single(error.Errors).Message);
    }

    [Fact]
    public void Load_MissingFile_SaysSo()
    {
        var path = Path.Combine(_directory.FullName, "gone.conf");

        var error = Assert.Throws<FileNotFoundException>(() => VpnConfigurationFile.Load(path));

        Assert.Equal($"{path}: no such file", error.Message);
    }

    [Fact]
    public void Load_BrokenFile_NamesThePathInEveryError()
    {
        var path = Write("stv1.conf", "[Interface]\nPrivateKey = nope\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var error = Assert.Throws<VpnConfigurationException>(() => VpnConfigurationFile.Load(path));

        Assert.StartsWith($"{path}:2: PrivateKey is not a WireGuard key", error.Message);
    }

    private string Write(string name, string text, UnixFileMode mode)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, mode);
        return path;
    }
}
