using System.Text;

namespace Datum.Bench;

/// <summary>JSON bodies. Names and values are plain ASCII so no escaping is needed.</summary>
public static class Payloads
{
    public const string LabelKey = "datum-bench";
    public const string LabelSelector = "datum-bench%3D1";

    /// <summary>~1 KiB of data per ConfigMap.</summary>
    private static readonly string Filler = string.Concat(Enumerable.Repeat("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_", 16));

    public static byte[] Namespace(string name) =>
        Encoding.UTF8.GetBytes($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{name}}}"}}""");

    public static byte[] ConfigMap(string ns, string name) =>
        Encoding.UTF8.GetBytes($$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}","labels":{"{{{LabelKey}}}":"1"}},"data":{"payload":"{{{Filler}}}"}}""");

    /// <summary>An unconditional update (no resourceVersion) carrying the writer's sequence number and send time.</summary>
    public static byte[] ConfigMapUpdate(string ns, string name, int seq, DateTimeOffset sent) =>
        Encoding.UTF8.GetBytes($$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}","labels":{"{{{LabelKey}}}":"1"},"annotations":{"datum-bench/sent":"{{{sent.ToUnixTimeMilliseconds()}}}"}},"data":{"payload":"{{{Filler}}}","seq":"{{{seq}}}"}}""");

    /// <summary>A Standard organization (it may hold 10 projects).</summary>
    public static byte[] Organization(string name) =>
        Encoding.UTF8.GetBytes($$$"""{"apiVersion":"resourcemanager.miloapis.com/v1alpha1","kind":"Organization","metadata":{"name":"{{{name}}}"},"spec":{"type":"Standard"}}""");

    /// <summary>A project owned by <paramref name="organization"/>, created in the platform.</summary>
    public static byte[] Project(string name, string organization) =>
        Encoding.UTF8.GetBytes($$$$"""{"apiVersion":"resourcemanager.miloapis.com/v1alpha1","kind":"Project","metadata":{"name":"{{{{name}}}}"},"spec":{"ownerRef":{"kind":"Organization","name":"{{{{organization}}}}"}}}""");
}
