using System.Reflection;

namespace SharpTun.TestSupport;

/// <summary>
/// Finds the built SharpTun.HostChangeProbe (a program that makes journaled host changes and waits
/// to be killed). A test project that uses it references the probe project without its output and
/// records the dll's path in an assembly attribute named HostChangeProbePath.
/// </summary>
public static class HostChangeProbe
{
    public static string PathFor(Assembly testAssembly)
    {
        var path = testAssembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "HostChangeProbePath").Value!;
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing; it is built with the tests (ProjectReference)", path);
        return path;
    }

    /// <summary>The dotnet host running the tests, to start the probe with.</summary>
    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : System.IO.Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
}
