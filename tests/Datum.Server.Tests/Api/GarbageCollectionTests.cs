using System.Net;
using System.Text.Json.Nodes;
using Datum.Server.Hosting;
using Datum.Server.Http;
using Datum.Server.Registry;
using Datum.Server.Tests.Kinds;
using Datum.Storage;

namespace Datum.Server.Tests.Api;

/// <summary>ownerReferences garbage collection: Background, Foreground and Orphan propagation, dangling owners, dry run, deletecollection.</summary>
public sealed class GarbageCollectionTests(DatumServerFixture fixture) : IClassFixture<DatumServerFixture>
{
    // Generous: the machine is shared; nothing here asserts how fast the collector is.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private ApiClient Admin => fixture.Admin;

    private static string Widgets(string ns) => $"/apis/{WidgetKind.Group}/{WidgetKind.Version}/namespaces/{ns}/widgets";

    private static string ConfigMaps(string ns) => $"/api/v1/namespaces/{ns}/configmaps";

    private async Task<JsonObject> CreateWidgetAsync(string ns, string name, JsonObject? labels = null, JsonArray? owners = null)
    {
        var meta = new JsonObject { ["name"] = name };
        if (labels is not null) meta["labels"] = labels;
        if (owners is not null) meta["ownerReferences"] = owners;
        var response = await Admin.PostAsync(Widgets(ns), new JsonObject { ["metadata"] = meta, ["spec"] = new JsonObject { ["replicas"] = 1 } });
        Assert.True(response.Status == HttpStatusCode.Created, response.ToString());
        return response.Object;
    }

    private async Task<JsonObject> CreateConfigMapAsync(string ns, string name, JsonArray owners, JsonArray? finalizers = null)
    {
        var meta = new JsonObject { ["name"] = name, ["ownerReferences"] = owners };
        if (finalizers is not null) meta["finalizers"] = finalizers;
        var response = await Admin.PostAsync(ConfigMaps(ns), new JsonObject { ["metadata"] = meta, ["data"] = new JsonObject { ["k"] = "v" } });
        Assert.True(response.Status == HttpStatusCode.Created, response.ToString());
        return response.Object;
    }

    private static JsonObject Ref(JsonObject owner, bool? block = null)
    {
        var reference = new JsonObject
        {
            ["apiVersion"] = owner.Str("apiVersion"), ["kind"] = owner.Str("kind"),
            ["name"] = owner.Str("metadata.name"), ["uid"] = owner.Str("metadata.uid"),
        };
        if (block is { } b) reference["blockOwnerDeletion"] = b;
        return reference;
    }

    private static JsonArray Refs(params JsonObject[] refs) => new(refs.Select(r => (JsonNode?)r).ToArray());

    private static JsonObject Options(string json) => Json.Obj(json);

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        var delay = TimeSpan.FromMilliseconds(50);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"not within {Patience}: {what}");
            await Task.Delay(delay);
            if (delay < TimeSpan.FromSeconds(1)) delay *= 2;
        }
    }

    private async Task GoneAsync(string path) =>
        await EventuallyAsync(async () => (await Admin.GetAsync(path)).Status == HttpStatusCode.NotFound, $"{path} deleted");

    private async Task<JsonObject> GetOkAsync(string path)
    {
        var response = await Admin.GetAsync(path);
        Assert.True(response.Status == HttpStatusCode.OK, response.ToString());
        return response.Object;
    }

    private static IEnumerable<string> Finalizers(JsonObject obj) =>
        obj["metadata"]!["finalizers"] is JsonArray a ? a.Select(f => f!.GetValue<string>()) : [];

    private static IEnumerable<string?> OwnerUids(JsonObject obj) =>
        obj["metadata"]!["ownerReferences"] is JsonArray a ? a.Select(r => r.Str("uid")) : [];

    [Fact]
    public async Task BackgroundDeleteRemovesDependents()
    {
        var ns = await fixture.NewNamespaceAsync();
        var owner = await CreateWidgetAsync(ns, "owner");
        await CreateConfigMapAsync(ns, "dep1", Refs(Ref(owner)));
        await CreateConfigMapAsync(ns, "dep2", Refs(Ref(owner)));
        var unrelated = await CreateConfigMapAsync(ns, "unrelated", []);

        var delete = await Admin.DeleteAsync($"{Widgets(ns)}/owner");
        Assert.Equal(HttpStatusCode.OK, delete.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync($"{Widgets(ns)}/owner")).Status);

        await GoneAsync($"{ConfigMaps(ns)}/dep1");
        await GoneAsync($"{ConfigMaps(ns)}/dep2");
        Assert.Equal(unrelated.Str("metadata.uid"), (await GetOkAsync($"{ConfigMaps(ns)}/unrelated")).Str("metadata.uid"));
    }

    [Fact]
    public async Task ExplicitBackgroundPolicyInTheQueryWorksToo()
    {
        var ns = await fixture.NewNamespaceAsync();
        var owner = await CreateWidgetAsync(ns, "owner");
        await CreateConfigMapAsync(ns, "dep", Refs(Ref(owner)));
        var delete = await Admin.DeleteAsync($"{Widgets(ns)}/owner?propagationPolicy=Background&gracePeriodSeconds=0");
        Assert.Equal(HttpStatusCode.OK, delete.Status);
        await GoneAsync($"{ConfigMaps(ns)}/dep");
    }

    [Fact]
    public async Task ClusterScopedOwnerDeletionRemovesDependentsInOtherNamespaces()
    {
        var ns = await fixture.NewNamespaceAsync();
        var ownerNs = await fixture.NewNamespaceAsync();
        var owner = await GetOkAsync($"/api/v1/namespaces/{ownerNs}");
        await CreateConfigMapAsync(ns, "dep", Refs(Ref(owner)));

        Assert.Equal(HttpStatusCode.OK, (await Admin.DeleteAsync($"/api/v1/namespaces/{ownerNs}")).Status);
        await GoneAsync($"/api/v1/namespaces/{ownerNs}");
        await GoneAsync($"{ConfigMaps(ns)}/dep");
    }

    [Fact]
    public async Task DanglingOwnerAtCreationIsCollected()
    {
        var ns = await fixture.NewNamespaceAsync();
        var ghost = new JsonObject
        {
            ["apiVersion"] = $"{WidgetKind.Group}/{WidgetKind.Version}", ["kind"] = "Widget", ["name"] = "ghost", ["uid"] = Guid.NewGuid().ToString(),
        };
        var created = await CreateConfigMapAsync(ns, "dep", Refs(ghost));
        Assert.NotNull(created.Str("metadata.uid"));
        await GoneAsync($"{ConfigMaps(ns)}/dep");
    }

    [Fact]
    public async Task OwnerWithTheSameNameButAnotherUidDoesNotCount()
    {
        var ns = await fixture.NewNamespaceAsync();
        var owner = await CreateWidgetAsync(ns, "owner");
        var stale = Ref(owner);
        stale["uid"] = Guid.NewGuid().ToString();
        await CreateConfigMapAsync(ns, "dep", Refs(stale));
        await GoneAsync($"{ConfigMaps(ns)}/dep");
        await GetOkAsync($"{Widgets(ns)}/owner");
    }

    [Fact]
    public async Task NamespacedOwnerInAnotherNamespaceIsTreatedAsMissing()
    {
        var ns = await fixture.NewNamespaceAsync();
        var other = await fixture.NewNamespaceAsync();
        var owner = await CreateWidgetAsync(other, "owner");
        await CreateConfigMapAsync(ns, "dep", Refs(Ref(owner)));
        await GoneAsync($"{ConfigMaps(ns)}/dep");
        await GetOkAsync($"{Widgets(other)}/owner");
    }

    [Fact]
    public async Task ForegroundKeepsTheOwnerUntilBlockingDependentsAreGone()
    {
        var ns = await fixture.NewNamespaceAsync();
        var owner = await CreateWidgetAsync(ns, "owner");
        // A finalizer holds the blocking dependent, so the owner has to wait for it.
        await CreateConfigMapAsync(ns, "blocker", Refs(Ref(owner, block: true)), new JsonArray("example.com/hold"));
        await CreateConfigMapAsync(ns, "plain", Refs(Ref(owner)));

        var delete = await Admin.SendAsync(HttpMethod.Delete, $"{Widgets(ns)}/owner",
            Options("""{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground"}"""));
        Assert.Equal(HttpStatusCode.OK, delete.Status);
        Assert.NotNull(delete.Object.Str("metadata.deletionTimestamp"));
        Assert.Contains(GarbageCollectionFinalizers.Foreground, Finalizers(delete.Object));

        // The dependents are deleted (the held one only marked); the owner stays while the blocker exists.
        await GoneAsync($"{ConfigMaps(ns)}/plain");
        await EventuallyAsync(async () => (await GetOkAsync($"{ConfigMaps(ns)}/blocker")).Str("metadata.deletionTimestamp") is not null, "blocker marked for deletion");
        var held = await GetOkAsync($"{Widgets(ns)}/owner");
        Assert.Contains(GarbageCollectionFinalizers.Foreground, Finalizers(held));
        Assert.NotNull(held.Str("metadata.deletionTimestamp"));

        var release = await Admin.MergePatchAsync($"{ConfigMaps(ns)}/blocker", Json.Obj("""{"metadata":{"finalizers":null}}"""));
        Assert.Equal(HttpStatusCode.OK, release.Status);
        await GoneAsync($"{ConfigMaps(ns)}/blocker");
        await GoneAsync($"{Widgets(ns)}/owner");
    }

    [Fact]
    public async Task ForegroundWithoutDependentsRemovesTheOwner()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateWidgetAsync(ns, "owner");
        var delete = await Admin.DeleteAsync($"{Widgets(ns)}/owner?propagationPolicy=Foreground");
        Assert.Equal(HttpStatusCode.OK, delete.Status);
        await GoneAsync($"{Widgets(ns)}/owner");
    }

    [Fact]
    public async Task ForegroundIsRecursive()
    {
        var ns = await fixture.NewNamespaceAsync();
        var top = await CreateWidgetAsync(ns, "top");
        var middle = await CreateWidgetAsync(ns, "middle", owners: Refs(Ref(top, block: true)));
        await CreateConfigMapAsync(ns, "leaf", Refs(Ref(middle, block: true)), new JsonArray("example.com/hold"));

        Assert.Equal(HttpStatusCode.OK, (await Admin.DeleteAsync($"{Widgets(ns)}/top?propagationPolicy=Foreground")).Status);
        await EventuallyAsync(async () => (await GetOkAsync($"{ConfigMaps(ns)}/leaf")).Str("metadata.deletionTimestamp") is not null, "leaf marked for deletion");
        var midHeld = await GetOkAsync($"{Widgets(ns)}/middle");
        Assert.Contains(GarbageCollectionFinalizers.Foreground, Finalizers(midHeld));
        await GetOkAsync($"{Widgets(ns)}/top");

        Assert.Equal(HttpStatusCode.OK, (await Admin.MergePatchAsync($"{ConfigMaps(ns)}/leaf", Json.Obj("""{"metadata":{"finalizers":null}}"""))).Status);
        await GoneAsync($"{ConfigMaps(ns)}/leaf");
        await GoneAsync($"{Widgets(ns)}/middle");
        await GoneAsync($"{Widgets(ns)}/top");
    }

    [Fact]
    public async Task OrphanStripsTheOwnerReferenceAndKeepsDependents()
    {
        var ns = await fixture.NewNamespaceAsync();
        var owner = await CreateWidgetAsync(ns, "owner");
        var other = await CreateWidgetAsync(ns, "other");
        await CreateConfigMapAsync(ns, "dep", Refs(Ref(owner)));
        await CreateConfigMapAsync(ns, "shared", Refs(Ref(owner), Ref(other)));

        var delete = await Admin.SendAsync(HttpMethod.Delete, $"{Widgets(ns)}/owner", Options("""{"propagationPolicy":"Orphan"}"""));
        Assert.Equal(HttpStatusCode.OK, delete.Status);
        Assert.Contains(GarbageCollectionFinalizers.Orphan, Finalizers(delete.Object));

        await GoneAsync($"{Widgets(ns)}/owner");
        var dep = await GetOkAsync($"{ConfigMaps(ns)}/dep");
        Assert.Empty(OwnerUids(dep));
        var shared = await GetOkAsync($"{ConfigMaps(ns)}/shared");
        Assert.Equal([other.Str("metadata.uid")], OwnerUids(shared));
    }

    [Fact]
    public async Task LegacyOrphanDependentsOrphans()
    {
        var ns = await fixture.NewNamespaceAsync();
        var owner = await CreateWidgetAsync(ns, "owner");
        await CreateConfigMapAsync(ns, "dep", Refs(Ref(owner)));
        var delete = await Admin.SendAsync(HttpMethod.Delete, $"{Widgets(ns)}/owner", Options("""{"orphanDependents":true}"""));
        Assert.Equal(HttpStatusCode.OK, delete.Status);
        await GoneAsync($"{Widgets(ns)}/owner");
        Assert.Empty(OwnerUids(await GetOkAsync($"{ConfigMaps(ns)}/dep")));
    }

    [Fact]
    public async Task BothPolicyAndOrphanDependentsIsInvalid()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreateWidgetAsync(ns, "owner");
        var delete = await Admin.SendAsync(HttpMethod.Delete, $"{Widgets(ns)}/owner", Options("""{"orphanDependents":true,"propagationPolicy":"Foreground"}"""));
        Assert.Equal((HttpStatusCode)422, delete.Status);
        var bad = await Admin.DeleteAsync($"{Widgets(ns)}/owner?propagationPolicy=Sideways");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        await GetOkAsync($"{Widgets(ns)}/owner");
    }

    [Fact]
    public async Task RepeatedDeleteWithAnotherPolicySwapsTheFinalizer()
    {
        var ns = await fixture.NewNamespaceAsync();
        var owner = await CreateWidgetAsync(ns, "owner");
        await CreateConfigMapAsync(ns, "blocker", Refs(Ref(owner, block: true)), new JsonArray("example.com/hold"));
        var first = await Admin.DeleteAsync($"{Widgets(ns)}/owner?propagationPolicy=Foreground");
        Assert.Contains(GarbageCollectionFinalizers.Foreground, Finalizers(first.Object));
        var second = await Admin.SendAsync(HttpMethod.Delete, $"{Widgets(ns)}/owner", Options("""{"propagationPolicy":"Orphan"}"""));
        Assert.Equal(HttpStatusCode.OK, second.Status);
        // Still held by the blocker when the second DELETE arrives: the policy swaps the GC finalizer.
        Assert.Equal(first.Object.Str("metadata.deletionTimestamp"), second.Object.Str("metadata.deletionTimestamp"));
        Assert.Contains(GarbageCollectionFinalizers.Orphan, Finalizers(second.Object));
        Assert.DoesNotContain(GarbageCollectionFinalizers.Foreground, Finalizers(second.Object));
        await GoneAsync($"{Widgets(ns)}/owner");
        await Admin.MergePatchAsync($"{ConfigMaps(ns)}/blocker", Json.Obj("""{"metadata":{"finalizers":null}}"""));
    }

    [Fact]
    public async Task DependentWithALiveOwnerKeepsLivingWithoutTheDeadReference()
    {
        var ns = await fixture.NewNamespaceAsync();
        var dead = await CreateWidgetAsync(ns, "dead");
        var alive = await CreateWidgetAsync(ns, "alive");
        await CreateConfigMapAsync(ns, "dep", Refs(Ref(dead), Ref(alive)));

        Assert.Equal(HttpStatusCode.OK, (await Admin.DeleteAsync($"{Widgets(ns)}/dead")).Status);
        await EventuallyAsync(async () => !OwnerUids(await GetOkAsync($"{ConfigMaps(ns)}/dep")).Contains(dead.Str("metadata.uid")), "dead reference removed");
        Assert.Equal([alive.Str("metadata.uid")], OwnerUids(await GetOkAsync($"{ConfigMaps(ns)}/dep")));
    }

    [Fact]
    public async Task DryRunDeleteInTheBodyOrQueryStoresNothing()
    {
        var ns = await fixture.NewNamespaceAsync();
        var owner = await CreateWidgetAsync(ns, "owner");
        await CreateConfigMapAsync(ns, "dep", Refs(Ref(owner, block: true)));

        var body = await Admin.SendAsync(HttpMethod.Delete, $"{Widgets(ns)}/owner", Options("""{"dryRun":["All"],"propagationPolicy":"Foreground"}"""));
        Assert.Equal(HttpStatusCode.OK, body.Status);
        Assert.Contains(GarbageCollectionFinalizers.Foreground, Finalizers(body.Object));
        var query = await Admin.DeleteAsync($"{Widgets(ns)}/owner?dryRun=All");
        Assert.Equal(HttpStatusCode.OK, query.Status);
        var orphan = await Admin.SendAsync(HttpMethod.Delete, $"{Widgets(ns)}/owner?dryRun=All", Options("""{"propagationPolicy":"Orphan"}"""));
        Assert.Equal(HttpStatusCode.OK, orphan.Status);
        var collection = await Admin.SendAsync(HttpMethod.Delete, Widgets(ns), Options("""{"dryRun":["All"]}"""));
        Assert.Equal(HttpStatusCode.OK, collection.Status);
        Assert.Single(collection.Object["items"]!.AsArray());

        var stored = await GetOkAsync($"{Widgets(ns)}/owner");
        Assert.Equal(owner.Str("metadata.resourceVersion"), stored.Str("metadata.resourceVersion"));
        Assert.Null(stored.Str("metadata.deletionTimestamp"));
        Assert.Empty(Finalizers(stored));
        Assert.Equal([owner.Str("metadata.uid")], OwnerUids(await GetOkAsync($"{ConfigMaps(ns)}/dep")));

        var badDryRun = await Admin.SendAsync(HttpMethod.Delete, $"{Widgets(ns)}/owner", Options("""{"dryRun":["Some"]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, badDryRun.Status);
    }

    [Fact]
    public async Task DeleteCollectionWithALabelSelectorDeletesOnlyMatchingAndCollectsTheirDependents()
    {
        var ns = await fixture.NewNamespaceAsync();
        var drop = await CreateWidgetAsync(ns, "drop", new JsonObject { ["tier"] = "drop" });
        var keep = await CreateWidgetAsync(ns, "keep", new JsonObject { ["tier"] = "keep" });
        await CreateConfigMapAsync(ns, "drop-dep", Refs(Ref(drop)));
        await CreateConfigMapAsync(ns, "keep-dep", Refs(Ref(keep)));

        var response = await Admin.DeleteAsync($"{Widgets(ns)}?labelSelector=tier%3Ddrop");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("WidgetList", response.Object.Str("kind"));
        Assert.Equal(["drop"], response.Object["items"]!.AsArray().Select(i => i.Str("metadata.name")));

        await GoneAsync($"{ConfigMaps(ns)}/drop-dep");
        await GetOkAsync($"{Widgets(ns)}/keep");
        await GetOkAsync($"{ConfigMaps(ns)}/keep-dep");
    }

    [Fact]
    public async Task DeleteCollectionHonoursThePropagationPolicy()
    {
        var ns = await fixture.NewNamespaceAsync();
        var owner = await CreateWidgetAsync(ns, "owner", new JsonObject { ["tier"] = "x" });
        await CreateConfigMapAsync(ns, "dep", Refs(Ref(owner)));
        var response = await Admin.SendAsync(HttpMethod.Delete, $"{Widgets(ns)}?labelSelector=tier%3Dx", Options("""{"propagationPolicy":"Orphan"}"""));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Contains(GarbageCollectionFinalizers.Orphan, Finalizers(response.Object["items"]![0]!.AsObject()));
        await GoneAsync($"{Widgets(ns)}/owner");
        Assert.Empty(OwnerUids(await GetOkAsync($"{ConfigMaps(ns)}/dep")));
    }
}

/// <summary>The collector rebuilds its graph from a list at start, so work missed while it was down still happens.</summary>
public sealed class GarbageCollectionRestartTests
{
    [Fact]
    public async Task DependentsOfAnOwnerDeletedWhileTheServerWasDownAreCollectedAfterRestart()
    {
        var dir = Directory.CreateTempSubdirectory("datum-gc-").FullName;
        try
        {
            var options = new DatumServerOptions
            {
                DataDirectory = dir, SecurePort = 0, ConfigureKinds = catalog => catalog.Add(WidgetKind.Definition),
                Watch = new WatchSettings(),
            };
            string ownerKey;
            await using (var server = await DatumServer.StartAsync(options, CancellationToken.None))
            {
                var store = new ResourceStore(server.Store, [], TimeProvider.System);
                var user = new Datum.Server.Security.UserInfo("test", null, ["system:masters"]);
                var widgets = new RequestScope { Definition = WidgetKind.Definition, Namespace = "default", User = user };
                var owner = ObjectEncoding.Decode((await store.CreateAsync(widgets, Json.Obj("""{"metadata":{"name":"gc-owner"}}"""), CancellationToken.None)).Value);
                var configMaps = new RequestScope { Definition = Datum.Server.Builtins.ConfigMapKind.Definition, Namespace = "default", User = user };
                var dependent = new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = "gc-dep",
                        ["ownerReferences"] = new JsonArray(new JsonObject
                        {
                            ["apiVersion"] = WidgetKind.Definition.ApiVersion, ["kind"] = "Widget", ["name"] = "gc-owner", ["uid"] = owner.Str("metadata.uid"),
                        }),
                    },
                };
                await store.CreateAsync(configMaps, dependent, CancellationToken.None);
                ownerKey = StorageKeys.ObjectKey(StorageKeys.RootCluster, WidgetKind.Definition, "default", "gc-owner");
            }

            // Remove the owner behind the server's back, as if it was deleted while the collector was not running.
            await using (var raw = await RevisionedStore.OpenSqliteAsync(new RevisionedStoreOptions(Path.Combine(dir, "datum.db")), CancellationToken.None))
            {
                var current = await raw.GetAsync(ownerKey, CancellationToken.None);
                Assert.NotNull(current);
                await raw.DeleteAsync(ownerKey, current.ModRevision, _ => current.Value, CancellationToken.None);
            }

            await using (var server = await DatumServer.StartAsync(options, CancellationToken.None))
            {
                var key = StorageKeys.ObjectKey(StorageKeys.RootCluster, Datum.Server.Builtins.ConfigMapKind.Definition, "default", "gc-dep");
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
                while (await server.Store.GetAsync(key, CancellationToken.None) is not null)
                {
                    Assert.True(DateTime.UtcNow < deadline, "the dependent was not collected after the restart");
                    await Task.Delay(100);
                }
            }
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
