using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SharpTun.Host.Processes;
using SharpTun.Tests.Interop;

namespace SharpTun.Tests.Host.Processes;

public sealed class ProcSocketScannerTests
{
    private const int CapSysPtrace = 19;

    [Theory]
    [InlineData("socket:[123456]", 123456u)]
    [InlineData("socket:[4294967295]", uint.MaxValue)]
    public void TryParseSocketLink_SocketTarget_ReadsInode(string target, uint inode)
    {
        Assert.True(ProcSocketScanner.TryParseSocketLink(Encoding.ASCII.GetBytes(target), out var parsed));
        Assert.Equal(inode, parsed);
    }

    [Theory]
    [InlineData("pipe:[123456]")]
    [InlineData("anon_inode:[eventpoll]")]
    [InlineData("/dev/null")]
    [InlineData("socket:[]")]
    [InlineData("socket:[12a]")]
    [InlineData("socket:[-1]")]
    [InlineData("socket:[+1]")]
    [InlineData("socket:[4294967296]")]
    [InlineData("socket:[123")]
    public void TryParseSocketLink_OtherTarget_ReturnsFalse(string target) =>
        Assert.False(ProcSocketScanner.TryParseSocketLink(Encoding.ASCII.GetBytes(target), out _));

    [Fact]
    public void ScanProcess_ThisProcess_FindsOurSocketAtItsFd()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var fd = (int)socket.SafeHandle.DangerousGetHandle();
        var inode = InodeOf(Environment.ProcessId, fd);
        var index = new Dictionary<uint, SocketHolder>();

        var links = new ProcSocketScanner().ScanProcess(Environment.ProcessId, index);

        Assert.True(links > 0);
        Assert.Equal(new SocketHolder(Environment.ProcessId, fd), index[inode]);
        Assert.True(ProcSocketScanner.StillHolds(index[inode], inode));
        Assert.False(ProcSocketScanner.StillHolds(index[inode], inode + 1));
    }

    [Fact]
    public void ScanAll_FindsOurSocketAndCountsWhatItRead()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var fd = (int)socket.SafeHandle.DangerousGetHandle();
        var inode = InodeOf(Environment.ProcessId, fd);
        var scanner = new ProcSocketScanner();

        var index = scanner.ScanAll();

        Assert.Equal(new SocketHolder(Environment.ProcessId, fd), index[inode]);
        Assert.True(scanner.ProcessesVisited > 1);
        Assert.True(scanner.LinksRead >= index.Count);
    }

    [Fact]
    public void ScanProcess_NoSuchProcess_ReturnsZero()
    {
        var index = new Dictionary<uint, SocketHolder>();

        Assert.Equal(0, new ProcSocketScanner().ScanProcess(int.MaxValue, index));
        Assert.Empty(index);
        Assert.False(ProcSocketScanner.StillHolds(new SocketHolder(int.MaxValue, 3), 1));
    }

    [Fact]
    public void StillHolds_ClosedSocket_ReturnsFalse()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var holder = new SocketHolder(Environment.ProcessId, (int)socket.SafeHandle.DangerousGetHandle());
        var inode = InodeOf(holder.ProcessId, holder.FileDescriptor);
        Assert.True(ProcSocketScanner.StillHolds(holder, inode));

        socket.Dispose();

        Assert.False(ProcSocketScanner.StillHolds(holder, inode));
    }

    [Fact]
    public void ScanProcess_AnotherUsersProcessWithoutCapSysPtrace_SkipsItWithoutThrowing()
    {
        // A process of uid 65534 holding a UDP socket; root without CAP_SYS_PTRACE may list its
        // fd directory but not read the links (ptrace_may_access), nor its exe.
        using var child = Process.Start(new ProcessStartInfo("setpriv", "--reuid=65534 --regid=65534 --clear-groups socat -u STDIN UDP-SENDTO:127.0.0.1:9")
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        })!;
        try
        {
            var inode = WaitForSocket(child.Id);
            int links = -1;
            var index = new Dictionary<uint, SocketHolder>();
            Exception? error = null;
            var thread = new Thread(() =>
            {
                ThreadCapabilities.DropEffective(CapSysPtrace);
                error = Record.Exception(() => links = new ProcSocketScanner().ScanProcess(child.Id, index));
            });
            thread.Start();
            thread.Join();

            Assert.Null(error);
            Assert.DoesNotContain(inode, index.Keys);
            Assert.True(new ProcSocketScanner().ScanProcess(child.Id, index) > 0); // with the capability, it is found
            Assert.Equal(child.Id, index[inode].ProcessId);
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }
    }

    private static uint InodeOf(int pid, int fd)
    {
        var target = new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget!;
        Assert.True(ProcSocketScanner.TryParseSocketLink(Encoding.ASCII.GetBytes(target), out var inode), target);
        return inode;
    }

    /// <summary>Waits until process <paramref name="pid"/> (after exec) holds a socket; returns its inode.</summary>
    private static uint WaitForSocket(int pid)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
                {
                    if (new FileInfo(fd).LinkTarget is { } target && ProcSocketScanner.TryParseSocketLink(Encoding.ASCII.GetBytes(target), out var inode))
                        return inode;
                }
            }
            catch (IOException)
            {
            }
            Thread.Sleep(10);
        }
        throw new TimeoutException($"process {pid} opened no socket");
    }
}
