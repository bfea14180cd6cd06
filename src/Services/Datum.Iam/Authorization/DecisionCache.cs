using Datum.Server.Authorization;
using Datum.Server.Security;
using Datum.Server.Tenancy;

namespace Datum.Iam.Authorization;

/// <summary>
/// Decisions already made, valid while the graph and the catalog are unchanged (any change of what IAM watches
/// empties it): a user's repeated requests cost one lookup instead of a walk over targets and bindings — the part of a
/// user's request an admin's does not pay. Used under the graph's lock only; bounded (emptied when full).
/// </summary>
internal sealed class DecisionCache
{
    private const int Limit = 65_536;
    private readonly Dictionary<Key, AuthorizationDecision> _decisions = [];
    private long _graphVersion = -1;
    private long _catalogGeneration = -1;

    /// <summary>The cached decision of <paramref name="key"/>, if the graph and catalog are still those it was made on.</summary>
    public bool TryGet(long graphVersion, long catalogGeneration, in Key key, out AuthorizationDecision? decision)
    {
        if (graphVersion != _graphVersion || catalogGeneration != _catalogGeneration)
        {
            _decisions.Clear();
            (_graphVersion, _catalogGeneration) = (graphVersion, catalogGeneration);
        }
        return _decisions.TryGetValue(key, out decision);
    }

    /// <summary>Remembers a decision made on the current graph and catalog.</summary>
    public void Add(in Key key, AuthorizationDecision decision)
    {
        if (_decisions.Count >= Limit) _decisions.Clear();
        _decisions[key] = decision;
    }

    /// <summary>Everything a decision depends on besides the graph and the catalog.</summary>
    internal readonly struct Key : IEquatable<Key>
    {
        private readonly string _user;
        private readonly string? _uid;
        private readonly IReadOnlyList<string> _groups;
        private readonly string? _parentType;
        private readonly string? _parentName;
        private readonly string? _cluster;
        private readonly string? _account;
        private readonly AuthorizationAttributes _attributes;

        private Key(UserInfo user, string? parentType, string? parentName, string? cluster, string? account, AuthorizationAttributes attributes)
        {
            (_user, _uid, _groups) = (user.Name, user.Uid, user.Groups);
            (_parentType, _parentName, _cluster, _account, _attributes) = (parentType, parentName, cluster, account, attributes);
        }

        /// <summary>The key of a request, or false when its extras are not the single values decisions read.</summary>
        public static bool TryCreate(UserInfo user, AuthorizationAttributes attributes, out Key key)
        {
            key = default;
            if (!TrySingle(user, ControlPlane.ParentTypeExtra, out var parentType) || !TrySingle(user, ControlPlane.ParentNameExtra, out var parentName)
                || !TrySingle(user, UserTokens.ClusterExtra, out var cluster) || !TrySingle(user, UserTokens.ServiceAccountExtra, out var account)) return false;
            key = new Key(user, parentType, parentName, cluster, account, attributes);
            return true;
        }

        private static bool TrySingle(UserInfo user, string extra, out string? value)
        {
            value = null;
            if (user.Extra is null || !user.Extra.TryGetValue(extra, out var values)) return true;
            if (values.Count != 1) return false;
            value = values[0];
            return true;
        }

        public bool Equals(Key other)
        {
            if (_user != other._user || _uid != other._uid || _parentType != other._parentType || _parentName != other._parentName
                || _cluster != other._cluster || _account != other._account || !_attributes.Equals(other._attributes)) return false;
            if (ReferenceEquals(_groups, other._groups)) return true;
            if (_groups.Count != other._groups.Count) return false;
            for (var i = 0; i < _groups.Count; i++)
            {
                if (_groups[i] != other._groups[i]) return false;
            }
            return true;
        }

        public override bool Equals(object? obj) => obj is Key other && Equals(other);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            hash.Add(_user);
            hash.Add(_uid);
            hash.Add(_parentName);
            hash.Add(_account);
            hash.Add(_attributes);
            hash.Add(_groups.Count);
            return hash.ToHashCode();
        }
    }
}
