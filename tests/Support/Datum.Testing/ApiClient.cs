using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Datum.Testing;

/// <summary>A thin JSON client for the Kubernetes API.</summary>
public sealed class ApiClient(HttpClient http) : IDisposable
{
    public HttpClient Http => http;

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json", Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }
        configure?.Invoke(request);
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        if (text.Length > 0 && (text[0] == '{' || text[0] == '['))
        {
            try
            {
                json = JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }
        return new ApiResponse(response.StatusCode, text, json, response);
    }

    public Task<ApiResponse> GetAsync(string path, Action<HttpRequestMessage>? configure = null) => SendAsync(HttpMethod.Get, path, configure: configure);

    public Task<ApiResponse> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body);

    public Task<ApiResponse> PutAsync(string path, JsonNode body) => SendAsync(HttpMethod.Put, path, body);

    public Task<ApiResponse> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    public Task<ApiResponse> MergePatchAsync(string path, JsonNode patch) => SendAsync(HttpMethod.Patch, path, patch, "application/merge-patch+json");

    public Task<ApiResponse> JsonPatchAsync(string path, JsonNode patch) => SendAsync(HttpMethod.Patch, path, patch, "application/json-patch+json");

    public Task<ApiResponse> StrategicPatchAsync(string path, JsonNode patch) => SendAsync(HttpMethod.Patch, path, patch, "application/strategic-merge-patch+json");

    /// <summary>Opens a watch (the query must include <c>watch=true</c>) and returns once the headers arrived.</summary>
    public async Task<WatchStream> WatchAsync(string pathAndQuery)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return new WatchStream(request, response);
    }

    public void Dispose() => http.Dispose();
}
