namespace SharpTun.TestSupport;

/// <summary>A private journal directory for one test, deleted on dispose.</summary>
public sealed class JournalTestDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("sharptun-journal-").FullName;

    public string[] Journals() => Directory.GetFiles(Path, "*.journal");

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
