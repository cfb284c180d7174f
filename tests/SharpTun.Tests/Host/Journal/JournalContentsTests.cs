using SharpTun.Host.Journal;

using SharpTun.TestSupport;

namespace SharpTun.Tests.Host.Journal;

public sealed class JournalContentsTests
{
    private const string Header = """{"version":1,"pid":1,"startTime":5,"namespace":{"device":4,"inode":4026531840},"namespaceName":null,"namespaceCookie":null}""";
    private const string Route = """{"sequence":1,"change":{"kind":"route","route":{"destination":"10.9.0.0/16","device":"st0","table":100}}}""";
    private const string Rule = """{"sequence":2,"change":{"kind":"rule","rule":{"family":"InterNetwork","priority":1000,"table":100,"fwMark":119,"invert":false}}}""";

    [Fact]
    public void Read_TornLastLine_IgnoresItWithANote()
    {
        using var directory = new JournalTestDirectory();
        var path = Write(directory, $"{Header}\n{Route}\n{Rule[..40]}");

        var contents = JournalContents.Read(path);

        Assert.NotNull(contents.Header);
        var change = Assert.IsType<RouteChange>(Assert.Single(contents.Changes));
        Assert.Equal("10.9.0.0/16 dev st0 table 100", change.Route.ToString());
        Assert.Contains("incomplete last line", Assert.Single(contents.Notes));
    }

    [Fact]
    public void Read_TornHeader_HasNoHeader()
    {
        using var directory = new JournalTestDirectory();
        var contents = JournalContents.Read(Write(directory, Header[..30]));
        Assert.Null(contents.Header);
        Assert.Empty(contents.Changes);
    }

    [Fact]
    public void Read_NotAppliedMarker_DropsThatChange()
    {
        using var directory = new JournalTestDirectory();
        var path = Write(directory, $"{Header}\n{Route}\n{Rule}\n{{\"sequence\":3,\"notApplied\":1}}\n");

        var contents = JournalContents.Read(path);

        var rule = Assert.IsType<RuleChange>(Assert.Single(contents.Changes)).Rule;
        Assert.Equal("priority 1000 fwmark 0x77 lookup 100", rule.ToString());
        Assert.Empty(contents.Notes);
    }

    [Fact]
    public void Read_GarbageLineInTheMiddle_SkipsItWithANote()
    {
        using var directory = new JournalTestDirectory();
        var path = Write(directory, $"{Header}\nnot json\n{Rule}\n");

        var contents = JournalContents.Read(path);

        Assert.IsType<RuleChange>(Assert.Single(contents.Changes));
        Assert.Contains("line 2", Assert.Single(contents.Notes));
    }

    private static string Write(JournalTestDirectory directory, string text)
    {
        var path = Path.Combine(directory.Path, "1.journal");
        File.WriteAllText(path, text);
        return path;
    }
}
