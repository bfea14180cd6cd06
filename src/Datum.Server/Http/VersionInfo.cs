namespace Datum.Server.Http;

/// <summary>The <c>/version</c> document: the Kubernetes API level this server speaks.</summary>
public static class VersionInfo
{
    /// <summary>The Kubernetes minor version whose API semantics are served.</summary>
    public const string KubernetesVersion = "v1.32.0";

    /// <summary>The JSON body.</summary>
    public static readonly byte[] Json = ResponseWriter.Build(w =>
    {
        w.WriteStartObject();
        w.WriteString("major", "1");
        w.WriteString("minor", "32");
        w.WriteString("gitVersion", KubernetesVersion + "+datum");
        w.WriteString("gitCommit", typeof(VersionInfo).Assembly.GetName().Version?.ToString() ?? "unknown");
        w.WriteString("gitTreeState", "clean");
        w.WriteString("buildDate", "1970-01-01T00:00:00Z");
        w.WriteString("goVersion", System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
        w.WriteString("compiler", "dotnet");
        w.WriteString("platform", $"linux/{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}");
        w.WriteEndObject();
    });
}
