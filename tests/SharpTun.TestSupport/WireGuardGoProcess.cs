using System.Diagnostics;
using SharpTun.Vpn;

namespace SharpTun.TestSupport;

/// <summary>
/// Debian's <c>wireguard-go</c> running one interface inside a test namespace (this kernel has no
/// WireGuard module), configured with <c>wg set</c>. Dispose kills it, which removes the interface,
/// and deletes the key files it wrote.
/// </summary>
public sealed class WireGuardGoProcess : IDisposable
{
    private readonly Process _process;
    private readonly TestNamespace _namespace;
    private readonly string _keyDirectory = Directory.CreateTempSubdirectory("sharptun-wggo-").FullName;

    private WireGuardGoProcess(TestNamespace ns, string interfaceName, Process process)
    {
        _namespace = ns;
        Interface = interfaceName;
        _process = process;
    }

    public string Interface { get; }

    /// <summary>Starts <c>wireguard-go NAME</c> in the foreground and waits (10 s at most) for the interface to appear.</summary>
    public static WireGuardGoProcess Start(TestNamespace ns, string interfaceName)
    {
        var instance = new WireGuardGoProcess(ns, interfaceName, ns.Start("env", ["WG_PROCESS_FOREGROUND=1", "wireguard-go", interfaceName]));
        try
        {
            var watch = Stopwatch.StartNew();
            while (ns.Exec($"ip link show {interfaceName}").ExitCode != 0)
            {
                if (instance._process.HasExited || watch.Elapsed > TimeSpan.FromSeconds(10))
                    throw new InvalidOperationException($"wireguard-go did not create {interfaceName}: {(instance._process.HasExited ? instance._process.StandardError.ReadToEnd() : "timed out")}");
                Thread.Sleep(20);
            }
        }
        catch
        {
            instance.Dispose();
            throw;
        }
        return instance;
    }

    /// <summary>
    /// Writes a key to a file and returns its path, for <c>wg set ... private-key FILE</c> or
    /// <c>preshared-key FILE</c>; the directory is private (CreateTempSubdirectory makes it 0700).
    /// </summary>
    public string KeyFile(WireGuardKey key)
    {
        var path = Path.Combine(_keyDirectory, $"{Guid.NewGuid():N}.key");
        File.WriteAllText(path, key.ToString());
        return path;
    }

    /// <summary>Runs <c>wg set INTERFACE ARGUMENTS</c>; throws with wg's output when it fails.</summary>
    public void Set(IEnumerable<string> arguments)
    {
        var set = _namespace.Exec("wg", ["set", Interface, .. arguments]);
        if (set.ExitCode != 0)
            throw new InvalidOperationException($"wg set {Interface} failed: {set}");
    }

    /// <summary><c>wg show INTERFACE [WHAT]</c> (e.g. <c>dump</c>, <c>peers</c>, <c>endpoints</c>).</summary>
    public string Show(string what = "") => _namespace.Exec($"wg show {Interface} {what}").StandardOutput;

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        Directory.Delete(_keyDirectory, recursive: true);
    }
}
