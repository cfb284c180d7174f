using SharpTun.Host.Resolver;

namespace SharpTun.Tests.Host.Resolver;

/// <summary>/proc/self/mountinfo lines as the kernel writes them (captured here and from a Docker container).</summary>
public sealed class MountTableTests
{
    private const string Host = """
        26 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
        21 26 0:20 / /proc rw,relatime - proc proc rw
        23 26 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334448k,mode=755

        """;

    /// <summary>What a program started by <c>ip netns exec dnsprobe</c> sees when /etc/netns/dnsprobe/resolv.conf exists.</summary>
    private const string IpNetnsExec = Host + "81 71 254:0 /etc/netns/dnsprobe/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw,discard\n";

    /// <summary>Inside a Docker container: the root is an overlay, resolv.conf comes from the host's disk, which is not mounted as such.</summary>
    private const string Docker = """
        612 540 0:52 / / rw,relatime master:301 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A:/var/lib/docker/overlay2/l/B
        613 612 0:55 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
        622 612 254:1 /var/lib/docker/containers/0f3c/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda1 rw
        623 612 254:1 /var/lib/docker/containers/0f3c/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw
        624 612 254:1 /var/lib/docker/containers/0f3c/hosts /etc/hosts rw,relatime - ext4 /dev/vda1 rw
        """;

    [Fact]
    public void IsMountPoint_PlainHost_False() =>
        Assert.False(MountTable.Parse(Host).IsMountPoint("/etc/resolv.conf"));

    [Fact]
    public void SourcePathOf_IpNetnsExecBindMount_IsTheNamespacesFileUnderTheRoot()
    {
        var table = MountTable.Parse(IpNetnsExec);

        Assert.True(table.IsMountPoint("/etc/resolv.conf"));
        Assert.Equal("/etc/netns/dnsprobe/resolv.conf", table.SourcePathOf("/etc/resolv.conf"));
    }

    [Fact]
    public void SourcePathOf_DockerBindMount_IsUnknown()
    {
        var table = MountTable.Parse(Docker);

        Assert.True(table.IsMountPoint("/etc/resolv.conf"));
        Assert.Null(table.SourcePathOf("/etc/resolv.conf"));
    }

    [Fact]
    public void SourcePathOf_FileSystemMountedBelowTheRoot_JoinsTheMountPointAndTheRest()
    {
        var table = MountTable.Parse("""
            26 1 254:0 / / rw - ext4 /dev/vda rw
            30 26 254:2 /srv /data rw - ext4 /dev/vdb rw
            31 26 254:2 /srv/netns/a/resolv.conf /etc/resolv.conf rw - ext4 /dev/vdb rw
            """);

        Assert.Equal("/data/netns/a/resolv.conf", table.SourcePathOf("/etc/resolv.conf"));
    }

    [Fact]
    public void Parse_EscapedSpaceAndBackslash_AreUnescaped()
    {
        var table = MountTable.Parse("""
            26 1 254:0 / / rw - ext4 /dev/vda rw
            40 26 254:0 /etc/netns/my\040ns/resolv.conf /etc/resolv.conf rw - ext4 /dev/vda rw
            41 26 0:60 / /mnt/back\134slash rw - tmpfs tmpfs rw
            """);

        Assert.Equal("/etc/netns/my ns/resolv.conf", table.SourcePathOf("/etc/resolv.conf"));
        Assert.True(table.IsMountPoint(@"/mnt/back\slash"));
    }

    [Fact]
    public void Parse_ShortOrEmptyLines_AreSkipped()
    {
        var table = MountTable.Parse("garbage\n\n26 1 254:0\n" + Host);

        Assert.Equal(["/", "/proc", "/dev"], table.Entries.Select(e => e.MountPoint));
    }
}
