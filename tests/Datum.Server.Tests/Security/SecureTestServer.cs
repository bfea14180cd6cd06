using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Datum.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Datum.Server.Tests.Security;

/// <summary>A real Kestrel server on 127.0.0.1 (random port) configured with UseDatumHttps; GET /whoami answers the user name or 401.</summary>
internal sealed class SecureTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SecureTestServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<SecureTestServer> StartAsync(ClusterCredentials credentials)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.UseDatumHttps(credentials, IPAddress.Loopback, 0));
        var app = builder.Build();
        var authenticator = new RequestAuthenticator(credentials, []);
        app.Run(async context =>
        {
            var result = await authenticator.AuthenticateAsync(context, context.RequestAborted);
            if (!result.IsAuthenticated)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsync(result.FailureReason ?? "", context.RequestAborted);
                return;
            }

            await context.Response.WriteAsync(result.User.Name + "|" + string.Join(",", result.User.Groups), context.RequestAborted);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new SecureTestServer(app, new Uri(address));
    }

    /// <summary>A client that trusts only <paramref name="trustedCa"/> and optionally presents <paramref name="clientCertificate"/>.</summary>
    public HttpClient CreateClient(X509Certificate2 trustedCa, X509Certificate2? clientCertificate = null, string? bearerToken = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(trustedCa);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                },
            },
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
            // Present the certificate whatever issuer list the server advertises.
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        var client = new HttpClient(handler) { BaseAddress = BaseAddress };
        if (bearerToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearerToken);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
