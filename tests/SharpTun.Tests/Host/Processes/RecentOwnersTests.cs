using SharpTun.Host.Processes;

namespace SharpTun.Tests.Host.Processes;

public sealed class RecentOwnersTests
{
    [Fact]
    public void Touch_MoreThanCapacity_KeepsTheMostRecentFirst()
    {
        var recent = new RecentOwners();
        for (var pid = 1; pid <= RecentOwners.Capacity + 2; pid++)
            recent.Touch(pid);

        Assert.Equal(Enumerable.Range(3, RecentOwners.Capacity).Reverse(), Snapshot(recent));
    }

    [Fact]
    public void Touch_KnownPid_MovesItToTheFrontWithoutDuplicating()
    {
        var recent = new RecentOwners();
        recent.Touch(10);
        recent.Touch(20);
        recent.Touch(30);

        recent.Touch(10);

        Assert.Equal([10, 30, 20], Snapshot(recent));
    }

    private static int[] Snapshot(RecentOwners recent)
    {
        var pids = new int[RecentOwners.Capacity];
        return pids[..recent.CopyTo(pids)];
    }
}
