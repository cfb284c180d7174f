namespace SharpTun.Cli.Config;

/// <summary>File paths in the configuration: relative ones are taken from the configuration file's directory.</summary>
internal static class ConfigurationPaths
{
    /// <summary>
    /// The absolute path of the file <paramref name="key"/> names, relative paths taken from
    /// <paramref name="baseDirectory"/>; null when absent or wrong (an error).
    /// </summary>
    public static string? Read(ConfigurationReader reader, ConfigurationSection section, string key, string baseDirectory)
    {
        var text = reader.String(section, key, "a file path");
        if (text is null)
            return null;
        if (text.Length == 0 || text.Contains('\0'))
        {
            reader.Error(section[key]!, $"{section.PathOf(key)} must be a file path, not '{text}'");
            return null;
        }
        return Path.GetFullPath(text, baseDirectory);
    }

    /// <summary>Why a file could not be read, in a few words: "no such file or directory", "permission denied".</summary>
    public static string Describe(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file or directory",
        UnauthorizedAccessException => "permission denied",
        _ => e.Message,
    };
}
