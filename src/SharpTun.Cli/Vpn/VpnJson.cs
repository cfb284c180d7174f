using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using SharpTun.Host.Journal;
using SharpTun.Vpn;

namespace SharpTun.Cli.Vpn;

/// <summary>Source-generated (AOT-safe) JSON for the VPN status file.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    WriteIndented = true,
    Converters = [typeof(IPEndPointJsonConverter), typeof(IPNetworkJsonConverter)])]
[JsonSerializable(typeof(VpnInstanceState))]
internal sealed partial class VpnJson : JsonSerializerContext;

/// <summary>A key as its base64 text, as wg prints it (on each key property: the key type itself has a span property the generator cannot describe).</summary>
internal sealed class WireGuardKeyJsonConverter : JsonConverter<WireGuardKey>
{
    public override WireGuardKey Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        WireGuardKey.TryParse(reader.GetString(), out var key) ? key : throw new JsonException("not a WireGuard key");

    public override void Write(Utf8JsonWriter writer, WireGuardKey value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}

/// <summary>"192.0.2.1:51820" or "[2001:db8::1]:51820".</summary>
internal sealed class IPEndPointJsonConverter : JsonConverter<IPEndPoint>
{
    public override IPEndPoint Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        IPEndPoint.TryParse(reader.GetString() ?? "", out var endpoint) ? endpoint : throw new JsonException("not an IP endpoint");

    public override void Write(Utf8JsonWriter writer, IPEndPoint value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
