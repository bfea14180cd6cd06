using System.Text.Json.Nodes;
using Datum.Machinery.Protobuf;

namespace Datum.Machinery.Tests.Protobuf;

public class ProtoJsonEncoderTests
{
    private const string Meta = """
        "metadata":{"name":"web","generateName":"web-","namespace":"prod",
          "uid":"6f1c5d1e-0000-4000-8000-000000000001","resourceVersion":"42","generation":3,
          "creationTimestamp":"2024-05-01T10:00:00Z","deletionTimestamp":"2024-05-01T10:00:30Z",
          "deletionGracePeriodSeconds":0,
          "labels":{"tier":"frontend","app":"web","Z":""},
          "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"a\":1}\n","é":"accent"},
          "ownerReferences":[
            {"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-abc","uid":"uid-1","controller":true,"blockOwnerDeletion":false},
            {"apiVersion":"v1","kind":"ConfigMap","name":"cm","uid":"uid-2"}],
          "finalizers":["example.com/cleanup","kubernetes"],
          "managedFields":[
            {"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"v1",
             "time":"2024-05-01T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:a":{}}}},
            {"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"2024-05-01T10:00:01Z",
             "fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:phase":{}}},"subresource":"status"}]}
        """;

    public static TheoryData<string> Objects => new()
    {
        $$$"""{"apiVersion":"v1","kind":"ConfigMap",{{{Meta}}},"immutable":false,"data":{"a":"b","empty":"","multi":"line1\nline2\n"},"binaryData":{"blob":"AAEC/w==","none":""}}""",
        """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bare","namespace":"default"}}""",
        $$$"""{"apiVersion":"v1","kind":"Secret",{{{Meta}}},"immutable":true,"data":{"password":"czNjcjN0","tls.key":"AAEC/w=="},"stringData":{"user":"admin"},"type":"kubernetes.io/tls"}""",
        $$$"""{"apiVersion":"v1","kind":"Namespace",{{{Meta}}},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Terminating","conditions":[{"type":"NamespaceContentRemaining","status":"True","lastTransitionTime":"2024-05-01T10:00:00Z","reason":"SomeResourcesRemain","message":"Some resources are remaining: configmaps. has 1 resource instances"}]}}""",
        """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a","creationTimestamp":"2024-05-01T10:00:00Z"},"spec":{},"status":{"phase":"Active"}}""",
        $$$"""{"apiVersion":"v1","kind":"ServiceAccount",{{{Meta}}},"secrets":[{"kind":"Secret","namespace":"ci","name":"builder-token","uid":"u","apiVersion":"v1","resourceVersion":"7","fieldPath":"data"}],"imagePullSecrets":[{"name":"registry"}],"automountServiceAccountToken":false}""",
        """{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"leader","namespace":"kube-system"},"spec":{"holderIdentity":"node-1_abc","leaseDurationSeconds":15,"acquireTime":"2024-05-01T10:00:00.000000Z","renewTime":"2024-05-01T10:00:12.345678Z","leaseTransitions":0,"strategy":"","preferredHolder":"node-2"}}""",
        """{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","metadata":{"creationTimestamp":"2024-05-01T10:00:00Z"},"spec":{"resourceAttributes":{"namespace":"default","verb":"create","group":"apps","version":"v1","resource":"deployments","subresource":"scale","name":"web","fieldSelector":{"rawSelector":"a=b","requirements":[{"key":"a","operator":"In","values":["b"]}]},"labelSelector":{"requirements":[{"key":"app","operator":"NotIn","values":["x","y"]}]}}},"status":{"allowed":false,"denied":true,"reason":"no RBAC policy matched","evaluationError":"boom"}}""",
        """{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","metadata":{},"spec":{"nonResourceAttributes":{"path":"/healthz","verb":"get"}},"status":{"allowed":true}}""",
        """{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","metadata":{},"spec":{"namespace":"default"},"status":{"resourceRules":[{"verbs":["get","list"],"apiGroups":[""],"resources":["configmaps"],"resourceNames":["a"]}],"nonResourceRules":[{"verbs":["get"],"nonResourceURLs":["/api","/api/*"]}],"incomplete":false}}""",
        """{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","metadata":{},"spec":{"resourceAttributes":{"verb":"get","resource":"pods"},"user":"alice","groups":["dev","system:authenticated"],"extra":{"scopes":["a","b"],"empty":[]},"uid":"u-1"},"status":{"allowed":true,"reason":"RBAC"}}""",
        """{"apiVersion":"authorization.k8s.io/v1","kind":"LocalSubjectAccessReview","metadata":{"namespace":"ns1"},"spec":{"resourceAttributes":{"namespace":"ns1","verb":"list","resource":"secrets"},"user":"bob"},"status":{"allowed":false}}""",
        """{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview","metadata":{"creationTimestamp":"2024-05-01T10:00:00Z"},"status":{"userInfo":{"username":"admin","uid":"1","groups":["system:masters","system:authenticated"],"extra":{"datum.net/project":["p1"]}}}}""",
        """{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","metadata":{"name":"builder","namespace":"ci","creationTimestamp":"2024-05-01T10:00:00Z"},"spec":{"audiences":["https://datum"],"expirationSeconds":3600,"boundObjectRef":{"kind":"Secret","apiVersion":"v1","name":"s","uid":"u"}},"status":{"token":"eyJhbGciOi.x.y","expirationTimestamp":"2024-05-01T11:00:00Z"}}""",
        """{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","metadata":{},"spec":{"token":"t","audiences":["a"]},"status":{"authenticated":true,"user":{"username":"system:serviceaccount:ci:builder","groups":["system:serviceaccounts"]},"audiences":["a"],"error":"none"}}""",
        $$$"""{"apiVersion":"v1","kind":"ConfigMapList","metadata":{"resourceVersion":"99","continue":"eyJ2IjoxfQ","remainingItemCount":4},"items":[{"apiVersion":"v1","kind":"ConfigMap",{{{Meta}}},"data":{"a":"b"}},{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"},"binaryData":{"x":"AQ=="}}]}""",
        """{"apiVersion":"v1","kind":"ConfigMapList","metadata":{"resourceVersion":"5"},"items":[]}""",
        """{"apiVersion":"v1","kind":"SecretList","metadata":{"resourceVersion":"5"},"items":[{"metadata":{"name":"s"},"type":"Opaque","data":{"k":"dg=="}}]}""",
        """{"apiVersion":"v1","kind":"NamespaceList","metadata":{"resourceVersion":"5"},"items":[{"metadata":{"name":"default"},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}]}""",
        """{"apiVersion":"v1","kind":"ServiceAccountList","metadata":{},"items":[{"metadata":{"name":"default","namespace":"x"}}]}""",
        """{"apiVersion":"coordination.k8s.io/v1","kind":"LeaseList","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"l"},"spec":{"holderIdentity":"h","renewTime":"2024-05-01T10:00:00.500000Z"}}]}""",
    };

    [Theory]
    [MemberData(nameof(Objects))]
    public void DecodeOfEncodeIsTheObject(string json)
    {
        var obj = JsonNode.Parse(json)!.AsObject();
        var bytes = KubernetesProtobuf.Encode(obj);
        Assert.True(KubernetesProtobuf.HasMagic(bytes));

        var decoded = KubernetesProtobuf.Decode(bytes);

        // Protobuf list items carry no TypeMeta; everything else survives.
        if (obj["items"] is JsonArray items)
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                item.Remove("apiVersion");
                item.Remove("kind");
            }
        }
        Assert.True(JsonNode.DeepEquals(obj, decoded), decoded.ToJsonString());
    }

    [Fact]
    public void WritesTheEnvelopeAndFieldsAsGoDoes()
    {
        var obj = JsonNode.Parse("""
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"","labels":{"b":"2","a":"1"},
             "creationTimestamp":"2024-05-01T10:00:00Z"},"data":{"k":"v"},"immutable":false}
            """)!.AsObject();
        var expected = ProtoWriter.Envelope("v1", "ConfigMap", new ProtoWriter()
            .Message(1, m => m
                .String(1, "x")
                .Message(8, t => t.Int64(1, 1714557600).Int64(2, 0))
                .MapEntry(11, "a", "1")
                .MapEntry(11, "b", "2"))
            .MapEntry(2, "k", "v")
            .Bool(4, false));
        Assert.Equal(expected, KubernetesProtobuf.Encode(obj));
    }

    [Fact]
    public void CanEncodeNamesTheSchemaKindsAndTheirLists()
    {
        Assert.True(KubernetesProtobuf.CanEncode("v1", "ConfigMap"));
        Assert.True(KubernetesProtobuf.CanEncode("v1", "ConfigMapList"));
        Assert.True(KubernetesProtobuf.CanEncode("coordination.k8s.io/v1", "LeaseList"));
        Assert.True(KubernetesProtobuf.CanEncode("authorization.k8s.io/v1", "SelfSubjectAccessReview"));
        Assert.False(KubernetesProtobuf.CanEncode("v1", "Event"));
        Assert.False(KubernetesProtobuf.CanEncode("example.com/v1", "Widget"));
        Assert.False(KubernetesProtobuf.CanEncode("apps/v1", "ConfigMap"));
    }

    [Theory]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"spec":{}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","surprise":1}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":7}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generation":1.5}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"creationTimestamp":"yesterday"}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","binaryData":{"a":"not base64!"}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","data":{"a":1}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","data":["a"]}""")]
    [InlineData("""{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","spec":{"leaseDurationSeconds":4294967296}}""")]
    [InlineData("""{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"x"}}""")]
    [InlineData("""{"kind":"ConfigMap"}""")]
    public void RefusesWhatTheSchemaCannotCarry(string json) =>
        Assert.Throws<ProtobufEncodeException>(() => KubernetesProtobuf.Encode(JsonNode.Parse(json)!.AsObject()));

    [Fact]
    public void NestedObjectsAreStrictToo()
    {
        // apiVersion/kind are TypeMeta only where the message has metadata; elsewhere they must be schema fields.
        var json = """{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview","metadata":{},"status":{"userInfo":{"kind":"User"}}}""";
        Assert.Throws<ProtobufEncodeException>(() => KubernetesProtobuf.Encode(JsonNode.Parse(json)!.AsObject()));
    }
}
