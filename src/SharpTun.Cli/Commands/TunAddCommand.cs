using System.CommandLine;
using SharpTun.Host;

namespace SharpTun.Cli.Commands;

/// <summary><c>sharptun tun add NAME [--address CIDR]... [--mtu N] [--queues N] [--persist]</c>.</summary>
public static class TunAddCommand
{
    public static Command Create()
    {
        var device = new DeviceOptions();
        var persist = new Option<bool>("--persist")
        {
            Description = "Keep the device after this command exits (remove it with 'sharptun tun del NAME').",
        };
        var command = new Command("add", "Create a TUN device with addresses, MTU and queues; without --persist it lives until Ctrl-C.");
        device.AddTo(command);
        command.Options.Add(persist);
        command.SetAction(parsed => Execute(device.Read(parsed), parsed.GetValue(persist)));
        return command;
    }

    private static int Execute(DeviceSettings settings, bool persist)
    {
        // Listen for Ctrl-C before the device exists, so a signal right after creation still cleans up.
        using var shutdown = new ShutdownSignal();
        StartupCleanup.Run();
        using var changes = HostChanges.Open();
        using var device = changes.CreateTun(settings.ToTunOptions(persist));
        settings.Apply(changes, device.Name);

        if (persist)
        {
            // Journaled until here, so a crash mid-setup leaves nothing half-made; now it is the user's.
            changes.Keep();
            Console.Error.WriteLine($"created {settings.Describe(device.Name)}; remove it with 'sharptun tun del {device.Name}'");
            return ExitCodes.Success;
        }
        Console.Error.WriteLine($"created {settings.Describe(device.Name)}; press Ctrl-C to remove it");
        shutdown.Wait();
        return ExitCodes.Success;
    }
}
