using System.CommandLine;
using Microsoft.Extensions.Logging;
using SharpTun.Host;
using SharpTun.Modify;
using SharpTun.Stack;
using SharpTun.Tun;

namespace SharpTun.Cli.Commands;

/// <summary>
/// <c>sharptun tun echo NAME [--address CIDR]... [--mtu N] [--queues N] [--pcap FILE]</c>: a TUN
/// device that answers every ICMP/ICMPv6 echo request routed into it, one reader thread per queue.
/// </summary>
public static class TunEchoCommand
{
    public static Command Create()
    {
        var device = new DeviceOptions();
        var pcap = new Option<FileInfo?>("--pcap") { Description = "Write every packet seen and sent to this pcap file (Wireshark, tshark -r)." };
        var command = new Command("echo", "Answer ping (ICMP and ICMPv6 echo) on a new TUN device until Ctrl-C.");
        device.AddTo(command);
        command.Options.Add(pcap);
        command.SetAction(parsed => Execute(device.Read(parsed), parsed.GetValue(pcap)));
        return command;
    }

    private static int Execute(DeviceSettings settings, FileInfo? pcapFile)
    {
        using var shutdown = new ShutdownSignal();
        using var logging = Logging.CreateFactory();
        var logger = logging.CreateLogger("echo");
        StartupCleanup.Run();
        using var changes = HostChanges.Open();
        using var device = changes.CreateTun(settings.ToTunOptions(persist: false));
        settings.Apply(changes, device.Name);
        // Opened only once the device is ours, so a failed start never truncates an existing capture.
        using var pcap = pcapFile is null ? null : PcapWriter.Create(pcapFile.FullName);

        // The device's real MTU (an attached persistent device keeps its own): buffers must hold it,
        // or read() truncates packets.
        var mtu = changes.GetMtu(device.Name);
        var servers = new EchoServer[device.Queues.Count];
        var threads = new Thread[servers.Length];
        var results = new EchoStatistics[servers.Length];
        for (var i = 0; i < servers.Length; i++)
        {
            var queue = i;
            servers[queue] = new EchoServer(device.Queues[queue], mtu, pcap, logger);
            threads[queue] = new Thread(() =>
            {
                try
                {
                    results[queue] = servers[queue].Run();
                }
                catch (IOException e)
                {
                    // E.g. the device was deleted under us: stop everything and undo, don't crash.
                    logger.LogError("queue {Queue} of {Device} failed: {Error}", queue, device.Name, e.Message);
                    shutdown.RequestStop();
                }
            })
            { Name = $"echo {device.Name}/{queue}", IsBackground = true };
            threads[queue].Start();
        }
        logger.LogInformation("answering echo requests on {Device}; Ctrl-C stops", settings.Describe(device.Name, mtu));

        shutdown.Wait();
        foreach (var queue in device.Queues)
            queue.Close();
        foreach (var thread in threads)
            thread.Join();

        var total = new EchoStatistics();
        foreach (var result in results)
            total += result;
        logger.LogInformation("stopped: {Received} packets received, {Answered} echo requests answered, {Dropped} replies dropped{Pcap}",
            total.Received, total.Answered, total.ReplyDropped, pcap is null ? "" : $", {pcap.PacketCount} packets in {pcapFile!.FullName}");
        return ExitCodes.Success;
    }
}
