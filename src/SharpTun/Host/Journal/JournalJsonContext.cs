using System.Text.Json.Serialization;

namespace SharpTun.Host.Journal;

/// <summary>Source-generated (AOT-safe) JSON for journal lines.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    AllowOutOfOrderMetadataProperties = true,
    Converters = [typeof(IPAddressJsonConverter), typeof(IPNetworkJsonConverter), typeof(InterfaceAddressJsonConverter)])]
[JsonSerializable(typeof(JournalHeader))]
[JsonSerializable(typeof(JournalLine))]
internal sealed partial class JournalJsonContext : JsonSerializerContext;
