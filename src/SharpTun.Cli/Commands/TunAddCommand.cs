using System.CommandLine;
using SharpTun.Host;
using SharpTun.Tun;

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
        var owner = new Option<string?>("--owner")
        {
            Description = "User (name or uid) allowed to attach to the persistent device without CAP_NET_ADMIN.",
        };
        var group = new Option<string?>("--group")
        {
            Description = "Group (name or gid) allowed to attach to the persistent device without CAP_NET_ADMIN.",
        };
        var command = new Command("add", "Create a TUN device with addresses, MTU and queues; without --persist it lives until Ctrl-C.");
        device.AddTo(command);
        command.Options.Add(persist);
        command.Options.Add(owner);
        command.Options.Add(group);
        command.SetAction(parsed =>
        {
            var options = device.Read(parsed).ToTunOptions(parsed.GetValue(persist)) with
            {
                Owner = parsed.GetValue(owner) is { } user ? SystemAccounts.ResolveUser(user) : null,
                Group = parsed.GetValue(group) is { } name ? SystemAccounts.ResolveGroup(name) : null,
            };
            return Execute(device.Read(parsed), options);
        });
        return command;
    }

    private static int Execute(DeviceSettings settings, TunOptions options)
    {
        // Listen for Ctrl-C before the device exists, so a signal right after creation still cleans up.
        using var shutdown = new ShutdownSignal();
        StartupCleanup.Run();
        using var changes = HostChanges.Open();
        // TUNSETIFF would quietly attach to an existing persistent device; "add" means a new one.
        if (!TunName.IsPattern(settings.Name) && changes.LinkExists(settings.Name))
            throw new InvalidOperationException($"a network device named '{settings.Name}' already exists (remove it with 'sharptun tun del {settings.Name}' or choose another name)");
        using var device = changes.CreateTun(options);
        settings.Apply(changes, device.Name);
        var description = settings.Describe(device.Name, changes.GetMtu(device.Name));

        if (options.Persist)
        {
            // Journaled until here, so a crash mid-setup leaves nothing half-made; now it is the user's.
            changes.Keep();
            Console.Error.WriteLine($"created {description}; remove it with 'sharptun tun del {device.Name}'");
            return ExitCodes.Success;
        }
        Console.Error.WriteLine($"created {description}; press Ctrl-C to remove it");
        shutdown.Wait();
        return ExitCodes.Success;
    }
}
