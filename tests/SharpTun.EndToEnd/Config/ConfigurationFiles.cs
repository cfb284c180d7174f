using SharpTun.Cli.Config;

namespace SharpTun.EndToEnd.Config;

/// <summary>A temporary directory for configuration files and rule-provider files, and the repository's own files.</summary>
public sealed class ConfigurationFiles : IDisposable
{
    private readonly DirectoryInfo _directory = System.IO.Directory.CreateTempSubdirectory("sharptun-config-");

    public string Directory => _directory.FullName;

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SharpTun.slnx")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"no SharpTun.slnx above {AppContext.BaseDirectory}");
    }

    public static string ExamplePath => Path.Combine(RepositoryRoot(), "examples", "sharptun.yaml");

    /// <summary>Writes <paramref name="text"/> to <paramref name="name"/> in the directory and returns its full path.</summary>
    public string Write(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>The errors of <paramref name="yaml"/> as <c>test.yaml:LINE: reason</c>, relative paths from the directory.</summary>
    public IReadOnlyList<string> Errors(string yaml)
    {
        var e = Assert.Throws<ConfigurationException>(() => ConfigurationFile.Parse(yaml, "test.yaml", Directory));
        return e.Errors.Select(error => error.ToString()).ToList();
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
