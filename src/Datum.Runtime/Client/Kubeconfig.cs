using System.Text;
using YamlDotNet.RepresentationModel;

namespace Datum.Runtime.Client;

/// <summary>
/// The parts of a kubeconfig context a client needs: server URL, CA, and a client certificate or a token.
/// <c>exec</c> and <c>auth-provider</c> plugins are not supported.
/// </summary>
public sealed record Kubeconfig
{
    /// <summary>The API server URL.</summary>
    public required Uri Server { get; init; }

    /// <summary>The CA that signs the server's certificate (PEM), or null to use the system store.</summary>
    public string? CertificateAuthorityPem { get; init; }

    /// <summary>insecure-skip-tls-verify.</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>The client certificate (PEM), or null.</summary>
    public string? ClientCertificatePem { get; init; }

    /// <summary>The client certificate's key (PEM), or null.</summary>
    public string? ClientKeyPem { get; init; }

    /// <summary>A bearer token, or null.</summary>
    public string? Token { get; init; }

    /// <summary>The context's default namespace, or null.</summary>
    public string? Namespace { get; init; }

    /// <summary>Reads <paramref name="path"/> and resolves <paramref name="context"/> (default: current-context).</summary>
    public static Kubeconfig Load(string path, string? context = null) =>
        Parse(File.ReadAllText(path), Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", context);

    /// <summary>Parses kubeconfig YAML; relative file references resolve against <paramref name="baseDirectory"/>.</summary>
    public static Kubeconfig Parse(string yaml, string baseDirectory, string? context = null)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        context ??= Scalar(root, "current-context") ?? throw new FormatException("the kubeconfig has no current-context; name one");
        var ctx = Named(root, "contexts", context, "context");
        var cluster = Named(root, "clusters", Scalar(ctx, "cluster") ?? throw new FormatException($"context {context} names no cluster"), "cluster");
        var userName = Scalar(ctx, "user");
        var user = userName is null ? new YamlMappingNode() : Named(root, "users", userName, "user");

        string? Data(YamlMappingNode node, string key)
        {
            if (Scalar(node, key + "-data") is { } data) return Encoding.UTF8.GetString(Convert.FromBase64String(data));
            return Scalar(node, key) is { } file ? File.ReadAllText(Path.Combine(baseDirectory, file)) : null;
        }

        var token = Scalar(user, "token");
        if (token is null && Scalar(user, "tokenFile") is { } tokenFile) token = File.ReadAllText(Path.Combine(baseDirectory, tokenFile)).Trim();
        return new Kubeconfig
        {
            Server = new Uri(Scalar(cluster, "server") ?? throw new FormatException($"cluster of context {context} has no server")),
            CertificateAuthorityPem = Data(cluster, "certificate-authority"),
            InsecureSkipTlsVerify = Scalar(cluster, "insecure-skip-tls-verify") is "true",
            ClientCertificatePem = Data(user, "client-certificate"),
            ClientKeyPem = Data(user, "client-key"),
            Token = token,
            Namespace = Scalar(ctx, "namespace"),
        };
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode { Value: { } text } ? text : null;

    private static YamlMappingNode Named(YamlMappingNode root, string list, string name, string field)
    {
        if (root.Children.TryGetValue(new YamlScalarNode(list), out var entries) && entries is YamlSequenceNode sequence)
        {
            foreach (var entry in sequence.OfType<YamlMappingNode>())
            {
                if (Scalar(entry, "name") == name && entry.Children.TryGetValue(new YamlScalarNode(field), out var body))
                {
                    return body as YamlMappingNode ?? new YamlMappingNode();
                }
            }
        }
        throw new FormatException($"the kubeconfig has no {field} named \"{name}\"");
    }
}
