using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Apply;

namespace Datum.Machinery.Tests.Apply;

public class ApplyTests
{
    private static readonly Datum.Machinery.Schema.SchemaNode Schema = FieldSetTests.Schema;

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), actual?.ToJsonString());

    private static ManagedFields.ApplyResult Apply(IReadOnlyList<ManagedFieldsEntry> entries, JsonObject? live, string config, string manager = "m", bool force = false) =>
        ManagedFields.Apply(Schema, entries, live, Obj(config), manager, "v1", null, force, "2025-01-01T00:00:00Z");

    [Fact]
    public void MergeIsGranularForMapsByKeyForMapListsAndAtomicForPlainLists()
    {
        var live = Obj("""{"data":{"a":"1","b":"2"},"spec":{"ports":[{"name":"http","port":80,"protocol":"TCP"},{"name":"x","port":1}],"args":["a","b"],"hosts":["h1"]}}""");
        var merged = ApplyMerge.Merge(Schema, live, Obj("""{"data":{"b":"3"},"spec":{"ports":[{"name":"http","port":81},{"name":"new","port":2}],"args":["c"],"hosts":["h2","h1"]}}"""));
        AssertJson("""
            {"data":{"a":"1","b":"3"},"spec":{"ports":[{"name":"http","port":81,"protocol":"TCP"},{"name":"x","port":1},{"name":"new","port":2}],
             "args":["c"],"hosts":["h1","h2"]}}
            """, merged);
        AssertJson("""{"data":{"a":"1","b":"2"},"spec":{"ports":[{"name":"http","port":80,"protocol":"TCP"},{"name":"x","port":1}],"args":["a","b"],"hosts":["h1"]}}""", live);
    }

    [Fact]
    public void CreateOwnsExactlyTheAppliedFields()
    {
        var result = Apply([], null, """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"app":"x"}},"data":{"key":"v"}}""");
        var entry = Assert.Single(result.Entries);
        Assert.Equal(("m", "Apply", "v1"), (entry.Manager, entry.Operation, entry.ApiVersion));
        AssertJson("""{"f:data":{"f:key":{}},"f:metadata":{"f:labels":{"f:app":{}}}}""", entry.Fields.ToFieldsV1());
        AssertJson("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"app":"x"}},"data":{"key":"v"}}""", result.Object);
    }

    [Fact]
    public void FieldsNoLongerAppliedAreRemovedUnlessSomeoneElseOwnsThem()
    {
        var first = Apply([], null, """{"data":{"a":"1","b":"2","c":"3"}}""");
        var other = new ManagedFieldsEntry("editor", "Update", "v1", "t", FieldSet.FromFieldsV1(JsonNode.Parse("""{"f:data":{"f:c":{}}}""")), null);
        var second = Apply([.. first.Entries, other], first.Object, """{"data":{"a":"1"}}""");
        AssertJson("""{"data":{"a":"1","c":"3"}}""", second.Object);
        AssertJson("""{"f:data":{"f:a":{}}}""", second.Entries.Single(e => e.Manager == "m").Fields.ToFieldsV1());
    }

    [Fact]
    public void ChangingAFieldAnotherManagerOwnsConflictsUnlessForced()
    {
        var live = Obj("""{"data":{"a":"1","b":"2"}}""");
        var csa = new ManagedFieldsEntry("kubectl-client-side-apply", "Update", "v1", "t", FieldSet.FromFieldsV1(JsonNode.Parse("""{"f:data":{".":{},"f:a":{},"f:b":{}}}""")), null);

        // Same value: shared ownership, no conflict.
        var shared = Apply([csa], live, """{"data":{"b":"2"}}""");
        Assert.Equal(2, shared.Entries.Count);

        var e = Assert.Throws<ApiException>(() => Apply([csa], live, """{"data":{"a":"changed","b":"2"}}"""));
        Assert.Equal(409, e.Code);
        Assert.Equal("Conflict", e.Reason);
        Assert.Equal("""Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.a""", e.Message);
        var cause = Assert.Single(e.Causes);
        Assert.Equal(("FieldManagerConflict", ".data.a"), (cause.Reason, cause.Field));
        Assert.Equal("""conflict with "kubectl-client-side-apply" using v1: .data.a""", cause.Body);

        var forced = Apply([csa], live, """{"data":{"a":"changed"}}""", force: true);
        AssertJson("""{"data":{"a":"changed","b":"2"}}""", forced.Object);
        AssertJson("""{"f:data":{".":{},"f:b":{}}}""", forced.Entries.Single(x => x.Manager == "kubectl-client-side-apply").Fields.ToFieldsV1());
        AssertJson("""{"f:data":{"f:a":{}}}""", forced.Entries.Single(x => x.Manager == "m").Fields.ToFieldsV1());
    }

    [Fact]
    public void ApplyManagersConflictWithEachOtherAndListEveryField()
    {
        var first = Apply([], null, """{"data":{"a":"1","b":"2"}}""", "one");
        var e = Assert.Throws<ApiException>(() => Apply(first.Entries, first.Object, """{"data":{"a":"x","b":"y"}}""", "two"));
        Assert.Equal("Apply failed with 2 conflicts: conflicts with \"one\":\n- .data.a\n- .data.b", e.Message);
        Assert.Equal([".data.a", ".data.b"], e.Causes.Select(c => c.Field));
    }

    [Fact]
    public void ReapplyingTheSameConfigChangesNothing()
    {
        var first = Apply([], null, """{"data":{"a":"1"}}""");
        var again = ManagedFields.Apply(Schema, first.Entries, first.Object, Obj("""{"data":{"a":"1"}}"""), "m", "v1", null, false, "2030-01-01T00:00:00Z");
        Assert.Equal("2025-01-01T00:00:00Z", Assert.Single(again.Entries).Time);
        AssertJson(first.Object.ToJsonString(), again.Object);
    }

    [Fact]
    public void MapListItemsAreOwnedByKeyAndRemovedWhenDropped()
    {
        var first = Apply([], null, """{"spec":{"ports":[{"name":"a","port":1},{"name":"b","port":2}]}}""");
        var second = Apply(first.Entries, first.Object, """{"spec":{"ports":[{"name":"b","port":3}]}}""");
        AssertJson("""{"spec":{"ports":[{"name":"b","port":3}]}}""", second.Object);
    }

    [Fact]
    public void UpdateTakesChangedFieldsFromOtherManagers()
    {
        var applied = Apply([], null, """{"data":{"a":"1","b":"2"}}""", "applier");
        var after = Obj("""{"data":{"a":"edited","b":"2","c":"new"}}""");
        var entries = ManagedFields.RecordUpdate(Schema, applied.Entries, applied.Object, after, "editor", "v1", null, "t2");
        AssertJson("""{"f:data":{"f:b":{}}}""", entries.Single(e => e.Manager == "applier").Fields.ToFieldsV1());
        var editor = entries.Single(e => e.Manager == "editor");
        Assert.Equal("Update", editor.Operation);
        AssertJson("""{"f:data":{"f:a":{},"f:c":{}}}""", editor.Fields.ToFieldsV1());

        var removed = ManagedFields.RecordUpdate(Schema, entries, after, Obj("""{"data":{"a":"edited"}}"""), "cleaner", "v1", null, "t3");
        Assert.Equal(["editor"], removed.Select(e => e.Manager));
        Assert.Same(removed, ManagedFields.RecordUpdate(Schema, removed, after, after, "noop", "v1", null, "t4"));
    }

    [Fact]
    public void EncodeAndDecodeManagedFields()
    {
        var entries = Apply([], null, """{"data":{"a":"1"}}""").Entries;
        var json = ManagedFields.Encode(entries);
        AssertJson("""[{"manager":"m","operation":"Apply","apiVersion":"v1","time":"2025-01-01T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:a":{}}}}]""", json);
        Assert.Equal(entries, ManagedFields.Decode(json)!);
        Assert.True(ManagedFields.IsReset(JsonNode.Parse("[{}]")));
        Assert.False(ManagedFields.IsReset(JsonNode.Parse("[]")));
        Assert.Null(ManagedFields.Decode(JsonNode.Parse("[]")));
        Assert.Null(ManagedFields.Decode(JsonNode.Parse("""[{"manager":"m","operation":"Bogus"}]""")));
    }
}
