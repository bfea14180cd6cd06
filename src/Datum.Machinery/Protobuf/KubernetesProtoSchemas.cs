namespace Datum.Machinery.Protobuf;

/// <summary>
/// Field numbers of the k8s.io/api and k8s.io/apimachinery generated.proto messages this server
/// decodes and encodes, with the JSON names and omitempty behaviour of the Go types.
/// </summary>
internal static class KubernetesProtoSchemas
{
    private static ProtoField Str(int n, string name, bool omitEmpty = true) => new(n, name, ProtoFieldKind.String, OmitEmpty: omitEmpty);

    private static ProtoField Strs(int n, string name) => new(n, name, ProtoFieldKind.String, Repeated: true);

    // Pointer fields (*bool, *int64) are encoded only when set, and then always rendered.
    private static ProtoField OptBool(int n, string name) => new(n, name, ProtoFieldKind.Bool, OmitEmpty: false);

    private static ProtoField Bool(int n, string name, bool omitEmpty = true) => new(n, name, ProtoFieldKind.Bool, OmitEmpty: omitEmpty);

    private static ProtoField Msg(int n, string name, ProtoMessageType type) => new(n, name, ProtoFieldKind.Message, Message: type);

    private static ProtoField Msgs(int n, string name, ProtoMessageType type) => new(n, name, ProtoFieldKind.Message, Repeated: true, Message: type);

    private static ProtoField Time(int n, string name) => new(n, name, ProtoFieldKind.Time);

    private static ProtoField MicroTime(int n, string name) => new(n, name, ProtoFieldKind.MicroTime);

    // Pointer scalars (*string, *int32) are written whenever set, so "" and 0 survive a round trip.
    private static ProtoField OptStr(int n, string name) => new(n, name, ProtoFieldKind.String, OmitEmpty: false);

    private static ProtoField OptInt32(int n, string name) => new(n, name, ProtoFieldKind.Int32, OmitEmpty: false);

    // A list kind: ListMeta metadata = 1, repeated items = 2.
    private static ProtoMessageType List(ProtoMessageType item) => new(
        item.Name + "List",
        Msg(1, "metadata", ListMeta),
        Msgs(2, "items", item));

    // meta/v1
    private static readonly ProtoMessageType OwnerReference = new(
        "OwnerReference",
        Str(5, "apiVersion", omitEmpty: false),
        Str(1, "kind", omitEmpty: false),
        Str(3, "name", omitEmpty: false),
        Str(4, "uid", omitEmpty: false),
        OptBool(6, "controller"),
        OptBool(7, "blockOwnerDeletion"));

    private static readonly ProtoMessageType ManagedFieldsEntry = new(
        "ManagedFieldsEntry",
        Str(1, "manager"),
        Str(2, "operation"),
        Str(3, "apiVersion"),
        Time(4, "time"),
        Str(6, "fieldsType"),
        new ProtoField(7, "fieldsV1", ProtoFieldKind.FieldsV1),
        Str(8, "subresource"));

    private static readonly ProtoMessageType ObjectMeta = new(
        "ObjectMeta",
        Str(1, "name"),
        Str(2, "generateName"),
        Str(3, "namespace"),
        Str(4, "selfLink"),
        Str(5, "uid"),
        Str(6, "resourceVersion"),
        new ProtoField(7, "generation", ProtoFieldKind.Int64),
        Time(8, "creationTimestamp"),
        Time(9, "deletionTimestamp"),
        new ProtoField(10, "deletionGracePeriodSeconds", ProtoFieldKind.Int64, OmitEmpty: false),
        new ProtoField(11, "labels", ProtoFieldKind.StringMap),
        new ProtoField(12, "annotations", ProtoFieldKind.StringMap),
        Msgs(13, "ownerReferences", OwnerReference),
        Strs(14, "finalizers"),
        Msgs(17, "managedFields", ManagedFieldsEntry));

    private static readonly ProtoMessageType ListMeta = new(
        "ListMeta",
        Str(1, "selfLink"),
        Str(2, "resourceVersion"),
        Str(3, "continue"),
        new ProtoField(4, "remainingItemCount", ProtoFieldKind.Int64, OmitEmpty: false));

    private static readonly ProtoMessageType LabelSelectorRequirement = new(
        "LabelSelectorRequirement",
        Str(1, "key", omitEmpty: false),
        Str(2, "operator", omitEmpty: false),
        Strs(3, "values"));

    // core/v1
    private static readonly ProtoMessageType ConfigMap = new(
        "ConfigMap",
        Msg(1, "metadata", ObjectMeta),
        OptBool(4, "immutable"),
        new ProtoField(2, "data", ProtoFieldKind.StringMap),
        new ProtoField(3, "binaryData", ProtoFieldKind.BytesMap));

    private static readonly ProtoMessageType Secret = new(
        "Secret",
        Msg(1, "metadata", ObjectMeta),
        OptBool(5, "immutable"),
        new ProtoField(2, "data", ProtoFieldKind.BytesMap),
        new ProtoField(4, "stringData", ProtoFieldKind.StringMap),
        Str(3, "type"));

    private static readonly ProtoMessageType NamespaceCondition = new(
        "NamespaceCondition",
        Str(1, "type", omitEmpty: false),
        Str(2, "status", omitEmpty: false),
        Time(4, "lastTransitionTime"),
        Str(5, "reason"),
        Str(6, "message"));

    private static readonly ProtoMessageType Namespace = new(
        "Namespace",
        Msg(1, "metadata", ObjectMeta),
        Msg(2, "spec", new ProtoMessageType("NamespaceSpec", Strs(1, "finalizers"))),
        Msg(3, "status", new ProtoMessageType("NamespaceStatus", Str(1, "phase"), Msgs(2, "conditions", NamespaceCondition))));

    private static readonly ProtoMessageType ObjectReference = new(
        "ObjectReference",
        Str(1, "kind"),
        Str(2, "namespace"),
        Str(3, "name"),
        Str(4, "uid"),
        Str(5, "apiVersion"),
        Str(6, "resourceVersion"),
        Str(7, "fieldPath"));

    private static readonly ProtoMessageType ServiceAccount = new(
        "ServiceAccount",
        Msg(1, "metadata", ObjectMeta),
        Msgs(2, "secrets", ObjectReference),
        Msgs(3, "imagePullSecrets", new ProtoMessageType("LocalObjectReference", Str(1, "name"))),
        OptBool(4, "automountServiceAccountToken"));

    // coordination/v1
    private static readonly ProtoMessageType Lease = new(
        "Lease",
        Msg(1, "metadata", ObjectMeta),
        Msg(2, "spec", new ProtoMessageType(
            "LeaseSpec",
            OptStr(1, "holderIdentity"),
            OptInt32(2, "leaseDurationSeconds"),
            MicroTime(3, "acquireTime"),
            MicroTime(4, "renewTime"),
            OptInt32(5, "leaseTransitions"),
            OptStr(6, "strategy"),
            OptStr(7, "preferredHolder"))));

    // authorization/v1
    private static readonly ProtoMessageType ResourceAttributes = new(
        "ResourceAttributes",
        Str(1, "namespace"),
        Str(2, "verb"),
        Str(3, "group"),
        Str(4, "version"),
        Str(5, "resource"),
        Str(6, "subresource"),
        Str(7, "name"),
        Msg(8, "fieldSelector", new ProtoMessageType(
            "FieldSelectorAttributes",
            Str(1, "rawSelector"),
            Msgs(2, "requirements", new ProtoMessageType(
                "FieldSelectorRequirement",
                Str(1, "key", omitEmpty: false),
                Str(2, "operator", omitEmpty: false),
                Strs(3, "values"))))),
        Msg(9, "labelSelector", new ProtoMessageType(
            "LabelSelectorAttributes",
            Str(1, "rawSelector"),
            Msgs(2, "requirements", LabelSelectorRequirement))));

    private static readonly ProtoMessageType NonResourceAttributes = new(
        "NonResourceAttributes",
        Str(1, "path"),
        Str(2, "verb"));

    private static readonly ProtoMessageType SubjectAccessReviewStatus = new(
        "SubjectAccessReviewStatus",
        Bool(1, "allowed", omitEmpty: false),
        Bool(4, "denied"),
        Str(2, "reason"),
        Str(3, "evaluationError"));

    private static readonly ProtoMessageType SelfSubjectAccessReview = new(
        "SelfSubjectAccessReview",
        Msg(1, "metadata", ObjectMeta),
        Msg(2, "spec", new ProtoMessageType(
            "SelfSubjectAccessReviewSpec",
            Msg(1, "resourceAttributes", ResourceAttributes),
            Msg(2, "nonResourceAttributes", NonResourceAttributes))),
        Msg(3, "status", SubjectAccessReviewStatus));

    private static readonly ProtoMessageType SubjectAccessReview = new(
        "SubjectAccessReview",
        Msg(1, "metadata", ObjectMeta),
        Msg(2, "spec", new ProtoMessageType(
            "SubjectAccessReviewSpec",
            Msg(1, "resourceAttributes", ResourceAttributes),
            Msg(2, "nonResourceAttributes", NonResourceAttributes),
            Str(3, "user"),
            Strs(4, "groups"),
            new ProtoField(5, "extra", ProtoFieldKind.StringListMap),
            Str(6, "uid"))),
        Msg(3, "status", SubjectAccessReviewStatus));

    private static readonly ProtoMessageType SelfSubjectRulesReview = new(
        "SelfSubjectRulesReview",
        Msg(1, "metadata", ObjectMeta),
        Msg(2, "spec", new ProtoMessageType("SelfSubjectRulesReviewSpec", Str(1, "namespace"))),
        Msg(3, "status", new ProtoMessageType(
            "SubjectRulesReviewStatus",
            Msgs(1, "resourceRules", new ProtoMessageType(
                "ResourceRule",
                Strs(1, "verbs"),
                Strs(2, "apiGroups"),
                Strs(3, "resources"),
                Strs(4, "resourceNames"))),
            Msgs(2, "nonResourceRules", new ProtoMessageType(
                "NonResourceRule",
                Strs(1, "verbs"),
                Strs(2, "nonResourceURLs"))),
            Bool(3, "incomplete", omitEmpty: false),
            Str(4, "evaluationError"))));

    // authentication/v1
    private static readonly ProtoMessageType UserInfo = new(
        "UserInfo",
        Str(1, "username"),
        Str(2, "uid"),
        Strs(3, "groups"),
        new ProtoField(4, "extra", ProtoFieldKind.StringListMap));

    private static readonly ProtoMessageType SelfSubjectReview = new(
        "SelfSubjectReview",
        Msg(1, "metadata", ObjectMeta),
        Msg(2, "status", new ProtoMessageType("SelfSubjectReviewStatus", Msg(1, "userInfo", UserInfo))));

    private static readonly ProtoMessageType TokenRequest = new(
        "TokenRequest",
        Msg(1, "metadata", ObjectMeta),
        Msg(2, "spec", new ProtoMessageType(
            "TokenRequestSpec",
            Strs(1, "audiences"),
            new ProtoField(4, "expirationSeconds", ProtoFieldKind.Int64, OmitEmpty: false),
            Msg(3, "boundObjectRef", new ProtoMessageType(
                "BoundObjectReference",
                Str(1, "kind"),
                Str(2, "apiVersion"),
                Str(3, "name"),
                Str(4, "uid"))))),
        Msg(3, "status", new ProtoMessageType(
            "TokenRequestStatus",
            Str(1, "token", omitEmpty: false),
            Time(2, "expirationTimestamp"))));

    private static readonly ProtoMessageType TokenReview = new(
        "TokenReview",
        Msg(1, "metadata", ObjectMeta),
        Msg(2, "spec", new ProtoMessageType("TokenReviewSpec", Str(1, "token"), Strs(2, "audiences"))),
        Msg(3, "status", new ProtoMessageType(
            "TokenReviewStatus",
            Bool(1, "authenticated"),
            Msg(2, "user", UserInfo),
            Strs(4, "audiences"),
            Str(3, "error"))));

    /// <summary>Top-level kinds, and the list kinds of the stored ones, by (apiVersion, kind).</summary>
    public static IReadOnlyDictionary<(string ApiVersion, string Kind), ProtoMessageType> Kinds { get; } =
        new Dictionary<(string, string), ProtoMessageType>
        {
            [("v1", "ConfigMap")] = ConfigMap,
            [("v1", "Secret")] = Secret,
            [("v1", "Namespace")] = Namespace,
            [("v1", "ServiceAccount")] = ServiceAccount,
            [("authorization.k8s.io/v1", "SelfSubjectAccessReview")] = SelfSubjectAccessReview,
            [("authorization.k8s.io/v1", "SelfSubjectRulesReview")] = SelfSubjectRulesReview,
            [("authorization.k8s.io/v1", "SubjectAccessReview")] = SubjectAccessReview,
            [("authorization.k8s.io/v1", "LocalSubjectAccessReview")] = SubjectAccessReview,
            [("authentication.k8s.io/v1", "SelfSubjectReview")] = SelfSubjectReview,
            [("authentication.k8s.io/v1", "TokenRequest")] = TokenRequest,
            [("authentication.k8s.io/v1", "TokenReview")] = TokenReview,
            [("coordination.k8s.io/v1", "Lease")] = Lease,
            [("v1", "ConfigMapList")] = List(ConfigMap),
            [("v1", "SecretList")] = List(Secret),
            [("v1", "NamespaceList")] = List(Namespace),
            [("v1", "ServiceAccountList")] = List(ServiceAccount),
            [("coordination.k8s.io/v1", "LeaseList")] = List(Lease),
        }.AsReadOnly();
}
