using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SharpTun.Host.Journal;

/// <summary>Writes <see cref="IPAddress"/> as its text form ("10.0.0.1", "fd00::1").</summary>
internal sealed class IPAddressJsonConverter : JsonConverter<IPAddress>
{
    public override IPAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        IPAddress.TryParse(reader.GetString(), out var address) ? address : throw new JsonException("not an IP address");

    public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}

/// <summary>Writes <see cref="IPNetwork"/> as "10.0.0.0/24" (the journal and the VPN status file).</summary>
public sealed class IPNetworkJsonConverter : JsonConverter<IPNetwork>
{
    public override IPNetwork Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        IPNetwork.TryParse(reader.GetString(), out var network) ? network : throw new JsonException("not an IP prefix");

    public override void Write(Utf8JsonWriter writer, IPNetwork value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}

/// <summary>Writes <see cref="InterfaceAddress"/> as "10.0.0.1/24".</summary>
internal sealed class InterfaceAddressJsonConverter : JsonConverter<InterfaceAddress>
{
    public override InterfaceAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        try
        {
            return InterfaceAddress.Parse(reader.GetString() ?? "");
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new JsonException(e.Message, e);
        }
    }

    public override void Write(Utf8JsonWriter writer, InterfaceAddress value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
