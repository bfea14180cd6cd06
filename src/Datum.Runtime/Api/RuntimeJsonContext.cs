using System.Text.Json.Serialization;
using Datum.Runtime.Api.Kinds;

namespace Datum.Runtime.Api;

/// <summary>Source-generated JSON contracts of the runtime's own types and the built-in kinds.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConfigMap))]
[JsonSerializable(typeof(Secret))]
[JsonSerializable(typeof(Namespace))]
[JsonSerializable(typeof(Lease))]
[JsonSerializable(typeof(Event))]
[JsonSerializable(typeof(Unstructured))]
[JsonSerializable(typeof(Status))]
[JsonSerializable(typeof(DeleteOptions))]
[JsonSerializable(typeof(ObjectMeta))]
[JsonSerializable(typeof(List<Condition>))]
public sealed partial class RuntimeJsonContext : JsonSerializerContext;
