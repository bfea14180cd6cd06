using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace Datum.Bench;

/// <summary>The parts of a kubeconfig the benchmark needs: server URL, CA, client credentials.</summary>
public sealed class Kubeconfig
{
    public required string Server { get; init; }
    public required string ContextName { get; init; }
    public string? Namespace { get; init; }
    public bool InsecureSkipTlsVerify { get; init; }
    public X509Certificate2Collection CaCertificates { get; init; } = [];
    public string? ClientCertificatePem { get; init; }
    public string? ClientKeyPem { get; init; }
    public string? Token { get; init; }

    public static string DefaultPath()
    {
        var env = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrEmpty(env))
        {
            return env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)[0];
        }
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
    }

    public static Kubeconfig Load(string path, string? context = null)
    {
        var full = Path.GetFullPath(path);
        return Parse(File.ReadAllText(full), Path.GetDirectoryName(full) ?? ".", context);
    }

    public static Kubeconfig Parse(string yaml, string baseDir, string? context = null)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new FormatException("kubeconfig: not a YAML mapping");
        }

        var contextName = context ?? Scalar(root, "current-context")
            ?? throw new FormatException("kubeconfig: no current-context (pass --context)");
        var ctx = Named(root, "contexts", contextName, "context")
            ?? throw new FormatException($"kubeconfig: context '{contextName}' not found");
        var clusterName = Scalar(ctx, "cluster") ?? throw new FormatException("kubeconfig: context has no cluster");
        var cluster = Named(root, "clusters", clusterName, "cluster")
            ?? throw new FormatException($"kubeconfig: cluster '{clusterName}' not found");
        var userName = Scalar(ctx, "user");
        var user = userName is null ? null : Named(root, "users", userName, "user");

        var server = Scalar(cluster, "server") ?? throw new FormatException("kubeconfig: cluster has no server");

        var ca = new X509Certificate2Collection();
        var caBytes = DataOrFile(cluster, "certificate-authority-data", "certificate-authority", baseDir);
        if (caBytes is not null)
        {
            var text = Encoding.ASCII.GetString(caBytes);
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                ca.ImportFromPem(text);
            }
            else
            {
                ca.Add(X509CertificateLoader.LoadCertificate(caBytes));
            }
        }

        string? token = null;
        string? certPem = null, keyPem = null;
        if (user is not null)
        {
            certPem = AsText(DataOrFile(user, "client-certificate-data", "client-certificate", baseDir));
            keyPem = AsText(DataOrFile(user, "client-key-data", "client-key", baseDir));
            token = Scalar(user, "token");
            var tokenFile = Scalar(user, "tokenFile");
            if (token is null && tokenFile is not null)
            {
                token = File.ReadAllText(Resolve(tokenFile, baseDir)).Trim();
            }
            if (user.Children.ContainsKey(new YamlScalarNode("exec")) || user.Children.ContainsKey(new YamlScalarNode("auth-provider")))
            {
                if (token is null && certPem is null)
                {
                    throw new NotSupportedException("kubeconfig: exec/auth-provider credentials are not supported; use a token or client certificate");
                }
            }
        }

        return new Kubeconfig
        {
            Server = server.TrimEnd('/'),
            ContextName = contextName,
            Namespace = Scalar(ctx, "namespace"),
            InsecureSkipTlsVerify = string.Equals(Scalar(cluster, "insecure-skip-tls-verify"), "true", StringComparison.OrdinalIgnoreCase),
            CaCertificates = ca,
            ClientCertificatePem = certPem,
            ClientKeyPem = keyPem,
            Token = token,
        };
    }

    /// <summary>Client certificate for mutual TLS, or null when the user has none.</summary>
    public X509Certificate2? CreateClientCertificate()
    {
        if (ClientCertificatePem is null || ClientKeyPem is null)
        {
            return null;
        }
        var cert = X509Certificate2.CreateFromPem(ClientCertificatePem, ClientKeyPem);
        if (OperatingSystem.IsWindows())
        {
            // SChannel cannot use ephemeral keys; round-trip through PKCS#12.
            using (cert)
            {
                return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
            }
        }
        return cert;
    }

    private static string? AsText(byte[]? bytes) => bytes is null ? null : Encoding.UTF8.GetString(bytes);

    private static byte[]? DataOrFile(YamlMappingNode node, string dataKey, string fileKey, string baseDir)
    {
        var data = Scalar(node, dataKey);
        if (!string.IsNullOrWhiteSpace(data))
        {
            return Convert.FromBase64String(data.Trim());
        }
        var file = Scalar(node, fileKey);
        return string.IsNullOrWhiteSpace(file) ? null : File.ReadAllBytes(Resolve(file, baseDir));
    }

    private static string Resolve(string path, string baseDir)
    {
        if (path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]);
        }
        return Path.IsPathRooted(path) ? path : Path.Combine(baseDir, path);
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode s ? s.Value : null;

    /// <summary>Finds <c>{ name: X, inner: {...} }</c> in the list under <paramref name="listKey"/>.</summary>
    private static YamlMappingNode? Named(YamlMappingNode root, string listKey, string name, string inner)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(listKey), out var list) || list is not YamlSequenceNode seq)
        {
            return null;
        }
        foreach (var item in seq.Children)
        {
            if (item is YamlMappingNode m && Scalar(m, "name") == name)
            {
                return m.Children.TryGetValue(new YamlScalarNode(inner), out var v) && v is YamlMappingNode mm ? mm : new YamlMappingNode();
            }
        }
        return null;
    }
}
