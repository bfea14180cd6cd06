using System.Text.Json;

namespace Datum.Bench;

/// <summary>The fields of a list response the benchmark looks at.</summary>
public sealed record ListResponse(int Items, string? ResourceVersion, string? Continue, List<(string Name, bool BenchLabel)> Names)
{
    public static ListResponse Parse(MemoryStream body, bool collectNames)
    {
        using var doc = JsonDocument.Parse(body.GetBuffer().AsMemory(0, (int)body.Length));
        var root = doc.RootElement;
        string? rv = null, cont = null;
        if (root.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
        {
            rv = meta.TryGetProperty("resourceVersion", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            cont = meta.TryGetProperty("continue", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        }
        var names = new List<(string, bool)>();
        var count = 0;
        if (root.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in items.EnumerateArray())
            {
                count++;
                if (collectNames && item.TryGetProperty("metadata", out var m) && m.TryGetProperty("name", out var n) && n.GetString() is { } name)
                {
                    var bench = m.TryGetProperty("labels", out var labels) && labels.ValueKind == JsonValueKind.Object
                        && labels.TryGetProperty(Payloads.LabelKey, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() == "1";
                    names.Add((name, bench));
                }
            }
        }
        return new ListResponse(count, rv, string.IsNullOrEmpty(cont) ? null : cont, names);
    }
}
