using SharpTun.Vpn;
using SharpTun.Vpn.Transport;

namespace SharpTun.Tests.Vpn;

public sealed class ReplayWindowTests
{
    private const ulong Window = ReplayWindow.WindowSize;

    /// <summary>Each case: counters fed in order and whether each is accepted.</summary>
    public static TheoryData<string, ulong[], bool[]> Sequences => new()
    {
        { "first zero", [0], [true] },
        { "zero twice", [0, 0], [true, false] },
        { "in order", [0, 1, 2, 3], [true, true, true, true] },
        { "out of order inside the window", [5, 3, 4, 3, 5], [true, true, true, false, false] },
        { "gap filled later", [0, 100, 50, 99, 50], [true, true, true, true, false] },
        { "exactly the window below the top", [Window, 0], [true, true] },
        { "one more than the window below the top", [Window + 1, 0], [true, false] },
        { "top then window edge twice", [Window + 10, 10, 10, 9], [true, true, false, false] },
        { "jump far ahead clears old bits", [1, 1_000_000, 1, 1_000_000 - Window, 1_000_000 - Window - 1], [true, true, false, true, false] },
        { "jump by exactly one ring", [64, 64 + 128 * 64, 64 + 64 * 64], [true, true, true] },
        { "replay after wrap within block", [63, 64, 127, 128, 63, 64], [true, true, true, true, false, false] },
        { "limit refuses", [Protocol.RejectAfterMessages - 1, Protocol.RejectAfterMessages, ulong.MaxValue], [true, false, false] },
    };

    [Theory]
    [MemberData(nameof(Sequences))]
    public void TryAccept_Sequence(string name, ulong[] counters, bool[] expected)
    {
        var window = new ReplayWindow();
        var actual = counters.Select(c => window.TryAccept(c, Protocol.RejectAfterMessages)).ToArray();
        Assert.True(expected.SequenceEqual(actual), $"{name}: expected {string.Join(',', expected)}, got {string.Join(',', actual)}");
    }

    [Fact]
    public void TryAccept_MatchesReferenceSet_OnRandomSequences()
    {
        var random = new Random(6479);
        for (var run = 0; run < 50; run++)
        {
            var window = new ReplayWindow();
            var seen = new HashSet<ulong>();
            ulong top = 0;
            var any = false;
            for (var i = 0; i < 2000; i++)
            {
                var counter = (ulong)Math.Max(0, (long)top + random.Next(-9000, 300));
                var expected = !seen.Contains(counter) && (!any || counter > top || top - counter <= Window);
                Assert.Equal(expected, window.TryAccept(counter, Protocol.RejectAfterMessages));
                if (expected)
                {
                    seen.Add(counter);
                    if (!any || counter > top)
                        top = counter;
                    any = true;
                }
            }
        }
    }

    [Fact]
    public void WindowSize_IsAtLeast8128()
    {
        Assert.True(Window >= 8128);
    }
}
