using System.Text;
using System.Text.Json.Nodes;
using Datum.Machinery.Protobuf;

namespace Datum.Machinery.Tests.Protobuf;

public class KubernetesProtobufTests
{
    // 2024-05-01T10:00:00Z
    private const long May1 = 1714557600;

    private static void AssertJson(string expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), actual.ToJsonString());

    // Mirrors how Go's generated marshallers write ObjectMeta: every string field, even empty ones.
    private static ProtoWriter Meta(string name, string ns = "") => new ProtoWriter()
        .String(1, name).String(2, "").String(3, ns).String(4, "").String(5, "").String(6, "")
        .Int64(7, 0)
        .Message(8, new ProtoWriter());

    private static ProtoWriter WithMeta(string name, string ns = "") => new ProtoWriter().Message(1, Meta(name, ns));

    [Fact]
    public void DetectsMagic()
    {
        Assert.True(KubernetesProtobuf.HasMagic("k8s\0rest"u8));
        Assert.False(KubernetesProtobuf.HasMagic("k8s"u8));
        Assert.False(KubernetesProtobuf.HasMagic("{\"kind\":1}"u8));
        Assert.False(KubernetesProtobuf.HasMagic([]));
    }

    [Fact]
    public void DecodesConfigMapWithMapsBytesAndDefaultsOmitted()
    {
        var raw = WithMeta("game", "default")
            .MapEntry(2, "lives", "3")
            .MapEntry(2, "empty", "")
            .MapEntry(3, "blob", [0, 1, 2, 255])
            .Bool(4, false);
        var json = KubernetesProtobuf.Decode(ProtoWriter.Envelope("v1", "ConfigMap", raw));
        AssertJson("""
            {"apiVersion":"v1","kind":"ConfigMap",
             "metadata":{"name":"game","namespace":"default"},
             "data":{"lives":"3","empty":""},
             "binaryData":{"blob":"AAEC/w=="},
             "immutable":false}
            """, json);
    }

    [Fact]
    public void DecodesSecretBytesAsBase64()
    {
        var raw = WithMeta("creds", "ns1")
            .MapEntry(2, "password", Encoding.UTF8.GetBytes("s3cr3t"))
            .MapEntry(4, "user", "admin")
            .String(3, "Opaque")
            .Bool(5, true);
        AssertJson("""
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"creds","namespace":"ns1"},
             "data":{"password":"czNjcjN0"},"stringData":{"user":"admin"},"type":"Opaque","immutable":true}
            """, KubernetesProtobuf.Decode(ProtoWriter.Envelope("v1", "Secret", raw)));
    }

    [Fact]
    public void DecodesFullObjectMeta()
    {
        var meta = new ProtoWriter()
            .String(1, "web")
            .String(2, "web-")
            .String(3, "prod")
            .String(5, "6f1c5d1e-0000-4000-8000-000000000001")
            .String(6, "42")
            .Int64(7, 3)
            .Message(8, t => t.Int64(1, May1))
            .Message(9, t => t.Int64(1, May1 + 30).Varint(2, 500))
            .Int64(10, 30)
            .MapEntry(11, "app", "web")
            .MapEntry(11, "tier", "frontend")
            .MapEntry(12, "kubectl.kubernetes.io/last-applied-configuration", "{\"a\":1}\n")
            .Message(13, o => o.String(5, "apps/v1").String(1, "ReplicaSet").String(3, "web-abc").String(4, "uid-1").Bool(6, true).Bool(7, false))
            .Message(13, o => o.String(5, "v1").String(1, "ConfigMap").String(3, "cm").String(4, "uid-2"))
            .String(14, "example.com/cleanup")
            .String(14, "kubernetes")
            .Message(17, m => m
                .String(1, "kubectl-client-side-apply")
                .String(2, "Update")
                .String(3, "v1")
                .Message(4, t => t.Int64(1, May1))
                .String(6, "FieldsV1")
                .Message(7, f => f.Bytes(1, Encoding.UTF8.GetBytes("""{"f:data":{".":{},"f:a":{}}}"""))));
        var json = KubernetesProtobuf.Decode(ProtoWriter.Envelope("v1", "ConfigMap", new ProtoWriter().Message(1, meta)));
        AssertJson("""
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{
              "name":"web","generateName":"web-","namespace":"prod",
              "uid":"6f1c5d1e-0000-4000-8000-000000000001","resourceVersion":"42","generation":3,
              "creationTimestamp":"2024-05-01T10:00:00Z","deletionTimestamp":"2024-05-01T10:00:30Z",
              "deletionGracePeriodSeconds":30,
              "labels":{"app":"web","tier":"frontend"},
              "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"a\":1}\n"},
              "ownerReferences":[
                {"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-abc","uid":"uid-1","controller":true,"blockOwnerDeletion":false},
                {"apiVersion":"v1","kind":"ConfigMap","name":"cm","uid":"uid-2"}],
              "finalizers":["example.com/cleanup","kubernetes"],
              "managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"v1",
                "time":"2024-05-01T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:a":{}}}}]}}
            """, json);
    }

    [Fact]
    public void DecodesNamespaceWithEmptySpecAndStatus()
    {
        var raw = WithMeta("team-a").Message(2, new ProtoWriter()).Message(3, new ProtoWriter().String(1, ""));
        AssertJson("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a"},"spec":{},"status":{}}""",
            KubernetesProtobuf.Decode(ProtoWriter.Envelope("v1", "Namespace", raw)));

        var withFinalizers = WithMeta("b")
            .Message(2, s => s.String(1, "kubernetes"))
            .Message(3, s => s.String(1, "Active").Message(2, c => c.String(1, "NamespaceDeletionContentFailure").String(2, "False").Message(4, t => t.Int64(1, May1))));
        AssertJson("""
            {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"b"},"spec":{"finalizers":["kubernetes"]},
             "status":{"phase":"Active","conditions":[{"type":"NamespaceDeletionContentFailure","status":"False","lastTransitionTime":"2024-05-01T10:00:00Z"}]}}
            """, KubernetesProtobuf.Decode(ProtoWriter.Envelope("v1", "Namespace", withFinalizers)));
    }

    [Fact]
    public void DecodesServiceAccount()
    {
        var raw = WithMeta("builder", "ci")
            .Message(2, r => r.String(3, "builder-token").String(2, "ci"))
            .Message(3, r => r.String(1, "registry"))
            .Bool(4, false);
        AssertJson("""
            {"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"builder","namespace":"ci"},
             "secrets":[{"name":"builder-token","namespace":"ci"}],"imagePullSecrets":[{"name":"registry"}],
             "automountServiceAccountToken":false}
            """, KubernetesProtobuf.Decode(ProtoWriter.Envelope("v1", "ServiceAccount", raw)));
    }

    [Fact]
    public void DecodesSelfSubjectAccessReviewAsKubectlAuthCanISendsIt()
    {
        var raw = new ProtoWriter()
            .Message(1, Meta(""))
            .Message(2, s => s.Message(1, r => r
                .String(1, "default").String(2, "create").String(3, "apps").String(4, "")
                .String(5, "deployments").String(6, "").String(7, "")
                .Message(9, l => l.String(1, "app=web").Message(2, q => q.String(1, "app").String(2, "In").String(3, "web")))))
            .Message(3, s => s.Bool(1, false).String(2, "").String(3, "").Bool(4, false));
        AssertJson("""
            {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","metadata":{},
             "spec":{"resourceAttributes":{"namespace":"default","verb":"create","group":"apps","resource":"deployments",
               "labelSelector":{"rawSelector":"app=web","requirements":[{"key":"app","operator":"In","values":["web"]}]}}},
             "status":{"allowed":false}}
            """, KubernetesProtobuf.Decode(ProtoWriter.Envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", raw)));

        var nonResource = new ProtoWriter().Message(2, s => s.Message(2, n => n.String(1, "/healthz").String(2, "get")));
        AssertJson("""
            {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview",
             "spec":{"nonResourceAttributes":{"path":"/healthz","verb":"get"}}}
            """, KubernetesProtobuf.Decode(ProtoWriter.Envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", nonResource)));
    }

    [Fact]
    public void DecodesSelfSubjectRulesReview()
    {
        var raw = new ProtoWriter().Message(1, Meta("")).Message(2, s => s.String(1, "kube-system"))
            .Message(3, s => s.Message(1, r => r.String(1, "get").String(1, "list").String(2, "").String(3, "pods")).Bool(3, true));
        AssertJson("""
            {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","metadata":{},
             "spec":{"namespace":"kube-system"},
             "status":{"resourceRules":[{"verbs":["get","list"],"apiGroups":[""],"resources":["pods"]}],"incomplete":true}}
            """, KubernetesProtobuf.Decode(ProtoWriter.Envelope("authorization.k8s.io/v1", "SelfSubjectRulesReview", raw)));
    }

    [Fact]
    public void DecodesSubjectAccessReviewExtra()
    {
        var raw = new ProtoWriter().Message(2, s => s
            .String(3, "jane").String(4, "devs").String(4, "system:authenticated")
            .Message(5, e => e.String(1, "scopes").Message(2, v => v.String(1, "a").String(1, "b")))
            .String(6, "u-1"));
        AssertJson("""
            {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview",
             "spec":{"user":"jane","groups":["devs","system:authenticated"],"extra":{"scopes":["a","b"]},"uid":"u-1"}}
            """, KubernetesProtobuf.Decode(ProtoWriter.Envelope("authorization.k8s.io/v1", "SubjectAccessReview", raw)));
    }

    [Fact]
    public void DecodesSelfSubjectReview()
    {
        var raw = new ProtoWriter().Message(1, Meta("")).Message(2, s => s.Message(1, u => u.String(1, "admin").String(3, "system:masters")));
        AssertJson("""
            {"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview","metadata":{},
             "status":{"userInfo":{"username":"admin","groups":["system:masters"]}}}
            """, KubernetesProtobuf.Decode(ProtoWriter.Envelope("authentication.k8s.io/v1", "SelfSubjectReview", raw)));
    }

    [Fact]
    public void DecodesTokenRequest()
    {
        var raw = new ProtoWriter()
            .Message(1, Meta("default", "ns"))
            .Message(2, s => s.String(1, "https://kubernetes.default.svc").Int64(4, 3600)
                .Message(3, b => b.String(1, "Pod").String(2, "v1").String(3, "web-0").String(4, "pod-uid")))
            .Message(3, s => s.String(1, "").Message(2, new ProtoWriter()));
        AssertJson("""
            {"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","metadata":{"name":"default","namespace":"ns"},
             "spec":{"audiences":["https://kubernetes.default.svc"],"expirationSeconds":3600,
               "boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"web-0","uid":"pod-uid"}},
             "status":{"token":""}}
            """, KubernetesProtobuf.Decode(ProtoWriter.Envelope("authentication.k8s.io/v1", "TokenRequest", raw)));
    }

    [Fact]
    public void SkipsUnknownFieldsOfEveryWireType()
    {
        var raw = WithMeta("x", "y")
            .Varint(90, 12345)
            .Fixed64(91, ulong.MaxValue)
            .Fixed32(92, 7)
            .String(93, "future field")
            .MapEntry(2, "k", "v");
        AssertJson("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"y"},"data":{"k":"v"}}""",
            KubernetesProtobuf.Decode(ProtoWriter.Envelope("v1", "ConfigMap", raw)));
    }

    [Fact]
    public void MapEntriesWithMissingPartsUseDefaults()
    {
        var raw = new ProtoWriter().Message(2, e => e.String(1, "onlykey")).Message(3, e => e.Bytes(2, [1]));
        AssertJson("""{"apiVersion":"v1","kind":"ConfigMap","data":{"onlykey":""},"binaryData":{"":"AQ=="}}""",
            KubernetesProtobuf.Decode(ProtoWriter.Envelope("v1", "ConfigMap", raw)));
    }

    [Theory]
    [InlineData("apps/v1", "Deployment")]
    [InlineData("v1", "Pod")]
    [InlineData("v2", "ConfigMap")]
    public void UnknownKindsAreUnsupported(string apiVersion, string kind)
    {
        var e = Assert.Throws<ProtobufDecodeException>(() =>
            KubernetesProtobuf.Decode(ProtoWriter.Envelope(apiVersion, kind, new ProtoWriter())));
        Assert.True(e.IsUnsupportedKind);
        Assert.Contains(kind, e.Message);
    }

    [Fact]
    public void ContentEncodingIsUnsupported()
    {
        var e = Assert.Throws<ProtobufDecodeException>(() =>
            KubernetesProtobuf.Decode(ProtoWriter.Envelope("v1", "ConfigMap", new ProtoWriter(), "gzip")));
        Assert.True(e.IsUnsupportedKind);
    }

    public static TheoryData<byte[], string> MalformedBodies()
    {
        var good = ProtoWriter.Envelope("v1", "ConfigMap", WithMeta("a"));
        return new TheoryData<byte[], string>
        {
            { "{\"kind\":\"ConfigMap\"}"u8.ToArray(), "magic" },
            { good[..^3], "truncated" },
            { [.. "k8s\0"u8.ToArray(), 0x0A, 0x05, 0x0A], "truncated" },
            { [.. "k8s\0"u8.ToArray(), 0x80], "truncated protobuf varint" },
            { [.. "k8s\0"u8.ToArray(), 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "longer than 10 bytes" },
            { [.. "k8s\0"u8.ToArray(), 0x0B], "wire type" },
            { [.. "k8s\0"u8.ToArray(), 0x00], "field number 0" },
            { [.. "k8s\0"u8.ToArray()], "does not name a kind" },
            { [.. "k8s\0"u8.ToArray(), 0x08, 0x01], "runtime.Unknown field 1 has wire type 0" },
            { ProtoWriter.Envelope("v1", "ConfigMap", new ProtoWriter().Varint(1, 5)), "ConfigMap.metadata (field 1) has wire type 0" },
            { ProtoWriter.Envelope("v1", "ConfigMap", new ProtoWriter().String(4, "x")), "ConfigMap.immutable" },
            { ProtoWriter.Envelope("v1", "ConfigMap", new ProtoWriter().Message(1, m => m.Message(17, e => e.Message(7, f => f.String(1, "{not json"))))), "not valid JSON" },
            { ProtoWriter.Envelope("v1", "ConfigMap", new ProtoWriter().Message(1, m => m.Message(8, t => t.Int64(1, long.MaxValue)))), "out-of-range time" },
            { ProtoWriter.Envelope("v1", "ConfigMap", new ProtoWriter().Message(2, e => e.Varint(1, 3))), "map entry field 1" },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public void MalformedBodiesAreRejected(byte[] body, string fragment)
    {
        var e = Assert.Throws<ProtobufDecodeException>(() => KubernetesProtobuf.Decode(body));
        Assert.False(e.IsUnsupportedKind);
        Assert.Contains(fragment, e.Message);
    }
}
