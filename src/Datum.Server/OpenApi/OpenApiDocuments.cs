using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Schema;
using Datum.Server.Http;
using Datum.Server.Registry;
using Microsoft.AspNetCore.Http;

namespace Datum.Server.OpenApi;

/// <summary>
/// OpenAPI v3, one document per group-version, built from the kinds' schemas. kubectl needs a PATCH
/// operation tagged with the kind and a <c>fieldValidation</c> parameter to validate server-side, and reads
/// the schemas for <c>kubectl explain</c> and for computing strategic merge patches. <c>/openapi/v2</c> is 404
/// on purpose: clients would try to parse JSON there as protobuf.
/// </summary>
public sealed class OpenApiDocuments(ResourceCatalog catalog)
{
    private Snapshot? _snapshot;

    private sealed record Snapshot(long Generation, byte[] Root, Dictionary<string, (byte[] Body, string Hash)> Documents);

    /// <summary>Serves <c>/openapi/...</c>.</summary>
    public async Task ServeAsync(HttpContext context, string path, CancellationToken ct)
    {
        if (path.TrimEnd('/') == "/openapi/v2" && OpenApiV2Stub.Wants(context.Request))
        {
            await OpenApiV2Stub.WriteAsync(context, ct).ConfigureAwait(false);
            return;
        }
        var snapshot = Current();
        if (path.TrimEnd('/') == "/openapi/v3")
        {
            await ResponseWriter.WriteJsonAsync(context, 200, snapshot.Root, ct).ConfigureAwait(false);
            return;
        }
        if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal) &&
            snapshot.Documents.TryGetValue(path["/openapi/v3/".Length..].TrimEnd('/'), out var doc))
        {
            context.Response.Headers.ETag = "\"" + doc.Hash + "\"";
            context.Response.Headers.CacheControl = context.Request.Query.ContainsKey("hash") ? "public, immutable" : "no-cache, private";
            if (context.Request.Headers.IfNoneMatch.ToString() == "\"" + doc.Hash + "\"")
            {
                context.Response.StatusCode = 304;
                return;
            }
            await ResponseWriter.WriteJsonAsync(context, 200, doc.Body, ct).ConfigureAwait(false);
            return;
        }
        throw ApiException.PathNotFound();
    }

    private Snapshot Current()
    {
        var generation = catalog.Generation;
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot is not null && snapshot.Generation == generation) return snapshot;
        var documents = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var group in catalog.All().GroupBy(d => (d.Group, d.Version)))
        {
            var key = group.Key.Group.Length == 0 ? $"api/{group.Key.Version}" : $"apis/{group.Key.Group}/{group.Key.Version}";
            var body = ObjectEncoding.Encode(GroupVersionDocument(key, group.ToList()));
            documents[key] = (body, Convert.ToHexString(SHA512.HashData(body)));
        }
        var root = new JsonObject();
        foreach (var (key, (_, hash)) in documents.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            root[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={hash}" };
        }
        snapshot = new Snapshot(generation, ObjectEncoding.Encode(new JsonObject { ["paths"] = root }), documents);
        Volatile.Write(ref _snapshot, snapshot);
        return snapshot;
    }

    private static JsonObject GroupVersionDocument(string prefix, List<ResourceDefinition> definitions)
    {
        var components = new JsonObject();
        var paths = new JsonObject();
        foreach (var d in definitions)
        {
            var name = SchemaName(d);
            var schema = SchemaRenderer.Render(d.Schema, components);
            schema["x-kubernetes-group-version-kind"] = Gvk(d.Group, d.Version, d.Kind);
            components[name] = schema;
            components[name + "List"] = ListSchema(d, name);
            var objectRef = Ref(name);
            var gvk = new JsonObject { ["group"] = d.Group, ["version"] = d.Version, ["kind"] = d.Kind };
            var collection = d.Namespaced ? $"/{prefix}/namespaces/{{namespace}}/{d.Plural}" : $"/{prefix}/{d.Plural}";
            var item = collection + "/{name}";
            if (d.Review is not null)
            {
                paths[$"/{prefix}/{d.Plural}"] = new JsonObject { ["post"] = Operation("create", "create" + d.Kind, gvk, objectRef, writeParams: true, body: true) };
                continue;
            }
            var collectionItem = new JsonObject
            {
                ["get"] = Operation("list", "list" + d.Kind, gvk, Ref(name + "List"), false, false),
                ["post"] = Operation("create", "create" + d.Kind, gvk, objectRef, true, true),
                ["delete"] = Operation("deletecollection", "deletecollection" + d.Kind, gvk, Ref(name + "List"), false, false),
            };
            if (d.Namespaced) collectionItem["parameters"] = new JsonArray(PathParam("namespace"));
            paths[collection] = collectionItem;
            var single = new JsonObject
            {
                ["get"] = Operation("get", "read" + d.Kind, gvk, objectRef, false, false),
                ["put"] = Operation("put", "replace" + d.Kind, gvk, objectRef, true, true),
                ["patch"] = PatchOperation(d, gvk, objectRef),
                ["delete"] = Operation("delete", "delete" + d.Kind, gvk, objectRef, false, false),
                ["parameters"] = d.Namespaced ? new JsonArray(PathParam("name"), PathParam("namespace")) : new JsonArray(PathParam("name")),
            };
            paths[item] = single;
            if (d.Namespaced)
            {
                paths[$"/{prefix}/{d.Plural}"] = new JsonObject { ["get"] = Operation("list", $"list{d.Kind}ForAllNamespaces", gvk, Ref(name + "List"), false, false) };
            }
            if (d.HasStatusSubresource)
            {
                paths[item + "/status"] = new JsonObject
                {
                    ["get"] = Operation("get", $"read{d.Kind}Status", gvk, objectRef, false, false),
                    ["put"] = Operation("put", $"replace{d.Kind}Status", gvk, objectRef, true, true),
                    ["patch"] = PatchOperation(d, gvk, objectRef),
                    ["parameters"] = d.Namespaced ? new JsonArray(PathParam("name"), PathParam("namespace")) : new JsonArray(PathParam("name")),
                };
            }
        }
        components["io.k8s.apimachinery.pkg.apis.meta.v1.Patch"] = new JsonObject { ["type"] = "object", ["description"] = "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body." };
        components["io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["resourceVersion"] = new JsonObject { ["type"] = "string" },
                ["continue"] = new JsonObject { ["type"] = "string" },
                ["remainingItemCount"] = new JsonObject { ["type"] = "integer", ["format"] = "int64" },
            },
        };
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = VersionInfo.KubernetesVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = components },
        };
    }

    private static JsonObject PatchOperation(ResourceDefinition d, JsonObject gvk, JsonObject objectRef)
    {
        var op = Operation("patch", "patch" + d.Kind, gvk, objectRef, true, false);
        var content = new JsonObject();
        var types = new List<string> { "application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml" };
        if (d.SupportsStrategicMergePatch) types.Add("application/strategic-merge-patch+json");
        foreach (var type in types)
        {
            content[type] = new JsonObject { ["schema"] = Ref("io.k8s.apimachinery.pkg.apis.meta.v1.Patch") };
        }
        op["requestBody"] = new JsonObject { ["content"] = content, ["required"] = true };
        ((JsonArray)op["parameters"]!).Add(QueryParam("force", "boolean", "Force is going to \"force\" Apply requests."));
        return op;
    }

    private static JsonObject Operation(string action, string operationId, JsonObject gvk, JsonObject responseSchema, bool writeParams, bool body)
    {
        var parameters = new JsonArray(QueryParam("pretty", "string", "If 'true', then the output is pretty printed."));
        if (writeParams)
        {
            parameters.Add(QueryParam("dryRun", "string", "When present, indicates that modifications should not be persisted. Valid value: All."));
            parameters.Add(QueryParam("fieldManager", "string", "fieldManager is a name associated with the actor or entity that is making these changes."));
            parameters.Add(QueryParam("fieldValidation", "string", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict."));
        }
        if (action is "list" or "deletecollection")
        {
            foreach (var (name, type) in new[] { ("labelSelector", "string"), ("fieldSelector", "string"), ("limit", "integer"), ("continue", "string"), ("resourceVersion", "string"), ("resourceVersionMatch", "string"), ("watch", "boolean"), ("allowWatchBookmarks", "boolean"), ("timeoutSeconds", "integer"), ("sendInitialEvents", "boolean") })
            {
                parameters.Add(QueryParam(name, type, ""));
            }
        }
        var op = new JsonObject
        {
            ["operationId"] = operationId,
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
            ["parameters"] = parameters,
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "OK",
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = responseSchema.DeepClone() } },
                },
                ["401"] = new JsonObject { ["description"] = "Unauthorized" },
            },
        };
        if (body)
        {
            op["requestBody"] = new JsonObject
            {
                ["content"] = new JsonObject { ["*/*"] = new JsonObject { ["schema"] = responseSchema.DeepClone() } },
                ["required"] = true,
            };
        }
        return op;
    }

    private static JsonObject ListSchema(ResourceDefinition d, string itemName) => new()
    {
        ["type"] = "object",
        ["description"] = $"{d.ListKind} is a list of {d.Kind}.",
        ["required"] = new JsonArray("items"),
        ["properties"] = new JsonObject
        {
            ["apiVersion"] = new JsonObject { ["type"] = "string" },
            ["kind"] = new JsonObject { ["type"] = "string" },
            ["metadata"] = Ref("io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"),
            ["items"] = new JsonObject { ["type"] = "array", ["items"] = Ref(itemName) },
        },
        ["x-kubernetes-group-version-kind"] = Gvk(d.Group, d.Version, d.ListKind),
    };

    private static JsonArray Gvk(string group, string version, string kind) =>
        new(new JsonObject { ["group"] = group, ["kind"] = kind, ["version"] = version });

    private static JsonObject PathParam(string name) => new()
    {
        ["name"] = name, ["in"] = "path", ["required"] = true,
        ["description"] = name == "namespace" ? "object name and auth scope, such as for teams and projects" : "name of the object",
        ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };

    private static JsonObject QueryParam(string name, string type, string description) => new()
    {
        ["name"] = name, ["in"] = "query", ["description"] = description,
        ["schema"] = new JsonObject { ["type"] = type, ["uniqueItems"] = true },
    };

    private static JsonObject Ref(string name) => new() { ["$ref"] = "#/components/schemas/" + name };

    /// <summary>The component name of a kind's schema: Kubernetes' names for built-ins, reverse-DNS for the rest.</summary>
    public static string SchemaName(ResourceDefinition d)
    {
        if (d.Group.Length == 0) return $"io.k8s.api.core.{d.Version}.{d.Kind}";
        if (d.Group.EndsWith(".k8s.io", StringComparison.Ordinal))
        {
            return $"io.k8s.api.{d.Group[..^".k8s.io".Length].Replace(".", "", StringComparison.Ordinal)}.{d.Version}.{d.Kind}";
        }
        return string.Join('.', d.Group.Split('.').Reverse()) + $".{d.Version}.{d.Kind}";
    }

    private static class SchemaRenderer
    {
        public static JsonObject Render(SchemaNode node, JsonObject components)
        {
            var result = new JsonObject();
            if (node.Type is not null) result["type"] = node.Type;
            if (node.Description is not null) result["description"] = node.Description;
            if (node.Format is not null) result["format"] = node.Format;
            if (node.Enum is { Count: > 0 } values) result["enum"] = new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
            if (node.Minimum is { } min) result["minimum"] = min;
            if (node.Maximum is { } max) result["maximum"] = max;
            if (node.MaxLength is { } maxLength) result["maxLength"] = maxLength;
            if (node.Pattern is not null) result["pattern"] = node.Pattern;
            if (node.MinLength is { } minLength) result["minLength"] = minLength;
            if (node.MinItems is { } minItems) result["minItems"] = minItems;
            if (node.MaxItems is { } maxItems) result["maxItems"] = maxItems;
            if (node.Default is { } defaultValue) result["default"] = defaultValue.DeepClone();
            if (node.Nullable) result["nullable"] = true;
            if (node.PreserveUnknownFields) result["x-kubernetes-preserve-unknown-fields"] = true;
            if (node.IntOrString) result["x-kubernetes-int-or-string"] = true;
            if (node.Required is { Count: > 0 } required) result["required"] = new JsonArray(required.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray());
            if (node.Properties is { } properties)
            {
                var props = new JsonObject();
                foreach (var (name, child) in properties) props[name] = Child(child, components);
                result["properties"] = props;
            }
            if (node.AdditionalProperties is { } extra) result["additionalProperties"] = Child(extra, components);
            if (node.Items is { } items) result["items"] = Child(items, components);
            if (node.Extensions is { } extensions)
            {
                foreach (var (name, value) in extensions) result[name] = value.DeepClone();
            }
            return result;
        }

        private static JsonObject Child(SchemaNode child, JsonObject components)
        {
            if (child.ComponentName is not { } componentName) return Render(child, components);
            if (!components.ContainsKey(componentName))
            {
                components[componentName] = new JsonObject();
                components[componentName] = Render(child with { ComponentName = null }, components);
            }
            // A $ref cannot carry siblings in OpenAPI 3.0, so a described reference is wrapped in allOf.
            var reference = new JsonObject { ["allOf"] = new JsonArray(Ref(componentName)) };
            if (child.Description is not null) reference["description"] = child.Description;
            if (child.Extensions is { } ext)
            {
                foreach (var (name, value) in ext) reference[name] = value.DeepClone();
            }
            return reference;
        }
    }

}
