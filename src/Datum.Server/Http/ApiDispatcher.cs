using Datum.Machinery.Api;
using Datum.Server.Authorization;
using Datum.Server.Discovery;
using Datum.Server.OpenApi;
using Datum.Server.Registry;
using Datum.Server.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Datum.Server.Http;

/// <summary>
/// The API server's request pipeline: authenticate, route (version, health, discovery, OpenAPI, resources)
/// and turn every rejection into a Kubernetes Status. Terminal middleware.
/// </summary>
internal sealed partial class ApiDispatcher(
    RequestDelegate next,
    ResourceCatalog catalog,
    ResourceStore store,
    RequestAuthenticator authenticator,
    IAuthorizer authorizer,
    DiscoveryDocuments discovery,
    OpenApiDocuments openApi,
    WatchSettings watchSettings,
    IEnumerable<Tenancy.IControlPlaneRouter> routers,
    IEnumerable<IUserValidator> userValidators,
    Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime,
    ILogger<ApiDispatcher> logger)
{
    private readonly IUserValidator[] _userValidators = [.. userValidators];

    /// <summary>Serves one request.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        _ = next;
        try
        {
            await DispatchAsync(context).ConfigureAwait(false);
        }
        catch (ApiException e)
        {
            await WriteErrorIfPossibleAsync(context, e).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e)
        {
            LogUnexpected(logger, e, context.Request.Method, context.Request.Path);
            await WriteErrorIfPossibleAsync(context, ApiException.Internal("an internal error occurred; the server log has the details")).ConfigureAwait(false);
        }
    }

    private async Task DispatchAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var ct = context.RequestAborted;
        if (path is "/livez" or "/readyz" or "/healthz" || path.StartsWith("/livez/", StringComparison.Ordinal) || path.StartsWith("/readyz/", StringComparison.Ordinal) || path.StartsWith("/healthz/", StringComparison.Ordinal))
        {
            await HealthEndpoint.WriteAsync(context, path, ct).ConfigureAwait(false);
            return;
        }

        var authentication = await authenticator.AuthenticateAsync(context, ct).ConfigureAwait(false);
        var user = authentication.IsAuthenticated ? authentication.User! : throw ApiException.Unauthorized();
        if (_userValidators.Length > 0 && !user.Groups.Contains(WellKnownGroups.SystemMasters))
        {
            foreach (var validator in _userValidators) user = validator.Validate(user);
        }
        user = await Impersonation.ApplyAsync(context.Request, user, authorizer, ct).ConfigureAwait(false);
        var plane = Tenancy.ControlPlane.Platform;
        foreach (var router in routers)
        {
            if (await router.RouteAsync(path, ct).ConfigureAwait(false) is not { } route) continue;
            (plane, path) = (route.Plane, route.Path);
            user = Tenancy.ControlPlaneUsers.WithParent(user, plane);
            break;
        }
        if (ServiceAccountTokenAuthenticator.HomeCluster(user) is { } home && home != plane.Cluster)
        {
            // A service account's token is good in its own control plane only.
            throw ApiException.Unauthorized();
        }

        if (path == "/version")
        {
            await ResponseWriter.WriteJsonAsync(context, 200, VersionInfo.Json, ct).ConfigureAwait(false);
            return;
        }
        if (path.StartsWith("/openapi/", StringComparison.Ordinal))
        {
            await openApi.ServeAsync(context, path, ct).ConfigureAwait(false);
            return;
        }
        if (await discovery.TryServeAsync(context, path, ct).ConfigureAwait(false)) return;

        var info = RequestInfo.Parse(path) ?? throw ApiException.PathNotFound();
        var definition = catalog.Find(info.Group, info.Version, info.Resource) ?? throw ApiException.PathNotFound();
        var method = context.Request.Method;
        var subresource = info.Subresource is null ? null : definition.Subresources.FirstOrDefault(s => s.Name == info.Subresource);
        if (info.Subresource is not null && subresource is null && !(info.Subresource == "status" && definition.HasStatusSubresource))
        {
            throw ApiException.PathNotFound();
        }
        if (definition.Namespaced && info.Namespace is null && info.Name is not null) throw ApiException.PathNotFound();
        if (!definition.Namespaced && info.Namespace is not null) throw ApiException.PathNotFound();

        var placement = plane.PlacementOf(definition);
        var scope = new RequestScope
        {
            Definition = definition,
            Cluster = placement.Cluster,
            Namespace = info.Namespace,
            Subresource = info.Subresource,
            User = user,
            Authorizer = authorizer,
            DryRun = HttpMethods.IsGet(method) ? false : WriteOptions.DryRun(context.Request),
            FieldValidation = WriteOptions.FieldValidation(context.Request),
            FieldManager = HttpMethods.IsGet(method) ? null : WriteOptions.FieldManager(context.Request),
        };
        var request = new ResourceRequest { Http = context, Info = info, Scope = scope, Store = store, Catalog = catalog, WatchSettings = watchSettings, ServerStopping = lifetime.ApplicationStopping, RequiredLabelSelector = placement.RequiredLabelSelector };
        if (definition.Review is not null && !HttpMethods.IsPost(method))
        {
            throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource ({definition.Plural} supports only create)");
        }

        var isWatch = info.LegacyWatchPath || request.QueryFlag("watch");
        var verb = (method, info.Name) switch
        {
            ("GET", null) => isWatch ? "watch" : "list",
            ("GET", _) => "get",
            ("POST", _) => "create",
            ("PUT", _) => "update",
            ("PATCH", _) => "patch",
            ("DELETE", null) => "deletecollection",
            ("DELETE", _) => "delete",
            _ => method.ToLowerInvariant(),
        };
        var decision = await authorizer.AuthorizeAsync(user, new AuthorizationAttributes(verb, info.Group, info.Resource, info.Subresource, info.Namespace, info.Name), ct).ConfigureAwait(false);
        if (!decision.Allowed) throw Forbidden(user, verb, info, decision.Reason);
        Func<ResourceRequest, Task> handler = (method, info.Name) switch
        {
            (_, not null) when subresource is not null => subresource.HandleAsync,
            ("GET", null) when isWatch => WatchHandler.HandleAsync,
            ("GET", null) => ListHandler.HandleAsync,
            ("GET", _) => GetHandler.HandleAsync,
            ("POST", _) => CreateHandler.HandleAsync,
            ("PUT", not null) => UpdateHandler.HandleAsync,
            ("PATCH", not null) => PatchHandler.HandleAsync,
            ("DELETE", null) => DeleteHandler.HandleCollectionAsync,
            ("DELETE", _) => DeleteHandler.HandleAsync,
            _ => throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource"),
        };
        // Plain creates check the namespace in CreateHandler, once the body names the object.
        if (info.Namespace is not null && HttpMethods.IsPost(method) && definition.Review is null && subresource is not null)
        {
            await NamespaceGuard.EnsureUsableAsync(store, catalog, scope, info.Name, ct).ConfigureAwait(false);
        }
        await handler(request).ConfigureAwait(false);
    }

    private static ApiException Forbidden(UserInfo user, string verb, RequestInfo info, string reason)
    {
        // As kube-apiserver: the authorizer's reason follows the standard sentence.
        var resource = info.Subresource is null ? info.Resource : $"{info.Resource}/{info.Subresource}";
        var where = info.Namespace is null ? "at the cluster scope" : $"in the namespace \"{info.Namespace}\"";
        return new ApiException(403, "Forbidden", $"{info.Resource} {(info.Name is null ? "" : $"\"{info.Name}\" ")}is forbidden: User \"{user.Name}\" cannot {verb} resource \"{resource}\" in API group \"{info.Group}\" {where}{(reason.Length > 0 ? ": " + reason : "")}")
        { DetailName = info.Name, DetailGroup = info.Group, DetailKind = info.Resource };
    }

    private static async Task WriteErrorIfPossibleAsync(HttpContext context, ApiException error)
    {
        if (context.Response.HasStarted) return;
        context.Response.Headers.Clear();
        await ResponseWriter.WriteErrorAsync(context, error, context.RequestAborted).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "unexpected failure serving {Method} {Path}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method, string path);
}
