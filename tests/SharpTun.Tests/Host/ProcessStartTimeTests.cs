using SharpTun.Host;

namespace SharpTun.Tests.Host;

public sealed class ProcessStartTimeTests
{
    [Fact]
    public void Parse_CommandNameWithSpacesAndParens_CountsFromLastParen()
    {
        var stat = "4242 (evil) 1 2 (x) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 12345 67";
        Assert.Equal(987654UL, ProcessStartTime.Parse(stat));
    }

    [Theory]
    [InlineData("Z")]
    [InlineData("X")]
    public void Parse_ZombieOrDeadProcess_ReturnsNull(string state)
    {
        var stat = $"4242 (dotnet) {state} 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 987654 0 0";
        Assert.Null(ProcessStartTime.Parse(stat));
        Assert.Equal(987654UL, ProcessStartTime.Parse(stat.Replace($" {state} ", " S ")));
    }

    [Fact]
    public void Parse_Garbage_ReturnsNull() => Assert.Null(ProcessStartTime.Parse("no parenthesis here"));

    [Fact]
    public void Read_ThisProcess_MatchesItsStatFile()
    {
        var fields = File.ReadAllText("/proc/self/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ulong.Parse(fields[19]), ProcessStartTime.Read(Environment.ProcessId));
    }

    [Fact]
    public void Read_NoSuchProcess_ReturnsNull() => Assert.Null(ProcessStartTime.Read(int.MaxValue));
}
