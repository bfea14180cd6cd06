using Microsoft.AspNetCore.Http;

namespace Datum.Server.Http;

/// <summary><c>/livez</c>, <c>/readyz</c>, <c>/healthz</c>: unauthenticated, plain text, <c>?verbose</c> lists the checks.</summary>
public static class HealthEndpoint
{
    private static readonly string[] Checks = ["ping", "log", "storage"];

    /// <summary>Writes the health answer.</summary>
    public static Task WriteAsync(HttpContext context, string path, CancellationToken ct)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain; charset=utf-8";
        var root = path.TrimStart('/').Split('/')[0];
        var text = context.Request.Query.ContainsKey("verbose")
            ? string.Concat(Checks.Select(c => $"[+]{c} ok\n")) + $"{root} check passed\n"
            : "ok";
        return context.Response.WriteAsync(text, ct);
    }
}
