using System.Globalization;
using System.Text;

namespace Datum.Server.Security;

/// <summary>Renders and writes kubeconfig files (YAML written by hand: the shape is fixed and small).</summary>
public static class KubeconfigWriter
{
    /// <summary>Renders <paramref name="spec"/> as a kubeconfig YAML document with one cluster, user and context.</summary>
    public static string Render(KubeconfigSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Render([spec], spec.ContextName);
    }

    /// <summary>
    /// Renders several contexts in one kubeconfig (each spec gives one cluster, user and context; clusters and users
    /// of the same name are written once, from the first spec naming them), with <paramref name="currentContext"/> current.
    /// </summary>
    public static string Render(IReadOnlyList<KubeconfigSpec> specs, string currentContext)
    {
        ArgumentNullException.ThrowIfNull(specs);
        if (specs.Count == 0) throw new ArgumentException("At least one context is needed.", nameof(specs));
        foreach (var spec in specs) Validate(spec);
        if (!specs.Any(s => s.ContextName == currentContext)) throw new ArgumentException($"No context is named '{currentContext}'.", nameof(currentContext));

        var yaml = new StringBuilder();
        // "\n" rather than AppendLine: the file must look the same whatever platform wrote it.
        void Line(string text) => yaml.Append(text).Append('\n');

        Line("apiVersion: v1");
        Line("kind: Config");
        Line("clusters:");
        foreach (var spec in specs.DistinctBy(s => s.ClusterName))
        {
            Line("- name: " + Quote(spec.ClusterName));
            Line("  cluster:");
            Line("    server: " + Quote(spec.Server));
            Line("    certificate-authority-data: " + Quote(Base64(spec.CertificateAuthorityPem)));
        }
        Line("users:");
        foreach (var spec in specs.DistinctBy(s => s.UserName))
        {
            Line("- name: " + Quote(spec.UserName));
            Line("  user:");
            if (spec.ClientCertificatePem is not null && spec.ClientKeyPem is not null)
            {
                Line("    client-certificate-data: " + Quote(Base64(spec.ClientCertificatePem)));
                Line("    client-key-data: " + Quote(Base64(spec.ClientKeyPem)));
            }

            if (spec.Token is not null)
            {
                Line("    token: " + Quote(spec.Token));
            }
        }

        Line("contexts:");
        foreach (var spec in specs)
        {
            Line("- name: " + Quote(spec.ContextName));
            Line("  context:");
            Line("    cluster: " + Quote(spec.ClusterName));
            Line("    user: " + Quote(spec.UserName));
            if (!string.IsNullOrEmpty(spec.Namespace))
            {
                Line("    namespace: " + Quote(spec.Namespace));
            }
        }

        Line("current-context: " + Quote(currentContext));
        Line("preferences: {}");
        return yaml.ToString();
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> atomically, readable by the owner only (0600).</summary>
    public static Task WriteAsync(string path, string content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(content);
        return AtomicFile.WriteAllTextAsync(path, content, AtomicFile.PrivateMode, cancellationToken);
    }

    private static void Validate(KubeconfigSpec spec)
    {
        if (!Uri.TryCreate(spec.Server, UriKind.Absolute, out var server) || (server.Scheme != Uri.UriSchemeHttps && server.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"'{spec.Server}' is not an absolute http(s) URL.", nameof(spec));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(spec.CertificateAuthorityPem, nameof(spec));
        ArgumentException.ThrowIfNullOrWhiteSpace(spec.ClusterName, nameof(spec));
        ArgumentException.ThrowIfNullOrWhiteSpace(spec.UserName, nameof(spec));
        ArgumentException.ThrowIfNullOrWhiteSpace(spec.ContextName, nameof(spec));
        if ((spec.ClientCertificatePem is null) != (spec.ClientKeyPem is null))
        {
            throw new ArgumentException("A client certificate and its key must be given together.", nameof(spec));
        }

        if (spec.ClientCertificatePem is null && string.IsNullOrEmpty(spec.Token))
        {
            throw new ArgumentException("Give a client certificate and key, or a token.", nameof(spec));
        }
    }

    private static string Base64(string pem) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));

    /// <summary>
    /// A YAML double-quoted scalar. Every value is quoted so that nothing (a leading '*', ': ', "yes", a number)
    /// can change its type or meaning; only backslash, quote and non-printable characters need escaping.
    /// </summary>
    private static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        // By rune so surrogate pairs stay intact; a lone surrogate (unencodable) comes out as U+FFFD.
        foreach (var rune in value.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"':
                    quoted.Append("\\\"");
                    break;
                case '\\':
                    quoted.Append("\\\\");
                    break;
                case '\n':
                    quoted.Append("\\n");
                    break;
                case '\r':
                    quoted.Append("\\r");
                    break;
                case '\t':
                    quoted.Append("\\t");
                    break;
                default:
                    if (Rune.IsControl(rune) || rune.Value is 0x2028 or 0x2029 or 0xFEFF)
                    {
                        quoted.Append("\\u").Append(rune.Value.ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        quoted.Append(rune.ToString());
                    }

                    break;
            }
        }

        return quoted.Append('"').ToString();
    }
}
