using System.Globalization;
using SharpTun.Cli.Settings;
using SharpTun.Tun;

namespace SharpTun.Cli.Config;

/// <summary>
/// <c>routing:</c>, how the proxy's own outbound sockets stay out of the TUN: a firewall mark for a
/// policy-routing rule (<c>--fwmark</c>) and/or the interface they are bound to (<c>--interface</c>).
/// </summary>
internal static class RoutingSection
{
    /// <summary>The settings with the section's values in place of the defaults.</summary>
    public static ProxySettings Read(ConfigurationReader reader, ConfigurationSection routing, ProxySettings settings) => settings with
    {
        FirewallMark = FirewallMark(reader, routing) ?? settings.FirewallMark,
        Interface = Interface(reader, routing) ?? settings.Interface,
    };

    /// <summary>A 32-bit mark, decimal (<c>563</c>) or hexadecimal (<c>0x233</c>), as ip-rule(8) writes it.</summary>
    private static uint? FirewallMark(ConfigurationReader reader, ConfigurationSection routing)
    {
        const string Expected = "a number 0-4294967295, decimal or 0x hex";
        var text = reader.String(routing, "fwmark", Expected);
        if (text is null)
            return null;
        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (hex
            ? uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var mark)
            : uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out mark))
            return mark;
        reader.Error(routing["fwmark"]!, $"routing.fwmark must be {Expected}, not '{text}'");
        return null;
    }

    private static string? Interface(ConfigurationReader reader, ConfigurationSection routing)
    {
        var name = reader.String(routing, "interface", "an interface name");
        if (name is null)
            return null;
        try
        {
            TunName.Validate(name);
            if (TunName.IsPattern(name))
                throw new ArgumentException($"'{name}' is a pattern; name the interface itself (e.g. eth0)");
            if (!System.Text.Ascii.IsValid(name))
                throw new ArgumentException($"'{name}' is not ASCII (SO_BINDTODEVICE takes an ASCII name)");
            return name;
        }
        catch (ArgumentException e)
        {
            reader.Error(routing["interface"]!, $"routing.interface: {e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal)}");
            return null;
        }
    }
}
