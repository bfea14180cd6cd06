#!/usr/bin/env bash
# Issue #6's throughput figure (docs/benchmarks.md "IAM"): the same datum-bench runs with the admin client
# certificate (system:masters, no policy lookup) and with a user token (an organization editor, every request
# decided by the IAM authorizer), alternating, ROUNDS times, against one `datum up` in the default-project
# control plane. The server is pinned to CPU 0 and the load generator to CPU 1 so they do not steal from each
# other; the medians are printed at the end. Results go to $OUT (default /tmp/iam-tp).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ${1:-} == --help || ${1:-} == -h ]]; then sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; echo "env: ROUNDS (5) GETS (50000) OBJECTS (1000) DURATION (5s) PORT (17443) OUT"; exit 0; fi
OUT=${OUT:-/tmp/iam-tp}; ROUNDS=${ROUNDS:-5}; GETS=${GETS:-50000}; OBJECTS=${OBJECTS:-1000}; DURATION=${DURATION:-5s}; PORT=${PORT:-17443}
rm -rf "$OUT"; mkdir -p "$OUT"
for p in src/Datum bench/Datum.Bench; do dotnet build -c Release -nologo -v quiet "$p" >/dev/null; done
DATUM="dotnet src/Datum/bin/Release/net10.0/datum.dll"
BENCH="dotnet bench/Datum.Bench/bin/Release/net10.0/datum-bench.dll"
taskset -c 0 $DATUM up --data-dir "$OUT/data" --secure-port "$PORT" >"$OUT/server.log" 2>&1 & SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do grep -q "serving at" "$OUT/server.log" && break; sleep 0.2; done
export KUBECONFIG="$OUT/data/admin.kubeconfig"
for _ in $(seq 1 100); do kubectl get organization default-org --context platform >/dev/null 2>&1 && kubectl get ns organization-default-org --context platform >/dev/null 2>&1 && break; sleep 0.3; done
kubectl --context platform apply -f - >/dev/null <<'YAML'
apiVersion: iam.miloapis.com/v1alpha1
kind: User
metadata: {name: bencher}
spec: {email: bencher@example.com}
YAML
for _ in $(seq 1 50); do kubectl --context platform get user bencher >/dev/null 2>&1 && break; sleep 0.2; done
kubectl --context platform apply -f - >/dev/null <<'YAML'
apiVersion: resourcemanager.miloapis.com/v1alpha1
kind: OrganizationMembership
metadata: {name: member-bencher, namespace: organization-default-org}
spec:
  organizationRef: {name: default-org}
  userRef: {name: bencher}
  roles: [{name: editor, namespace: datum-cloud}]
YAML
$DATUM kubeconfig --data-dir "$OUT/data" --user bencher --project default-project > "$OUT/user.kubeconfig"
for _ in $(seq 1 100); do [ "$(KUBECONFIG=$OUT/user.kubeconfig kubectl auth can-i create configmaps -n default 2>/dev/null)" = yes ] && break; sleep 0.3; done
[ "$(KUBECONFIG=$OUT/user.kubeconfig kubectl auth can-i create configmaps -n default 2>/dev/null)" = yes ] || { echo "user never got editor"; exit 1; }
kubectl create namespace bench-admin >/dev/null; kubectl create namespace bench-user >/dev/null
value() { grep -F "| $1 | $2 |" "$3" | head -1 | awk -F'|' '{print $4}' | tr -d ' '; }
run() { # who kubeconfig round
  local ns=bench-$1
  taskset -c 1 $BENCH --kubeconfig "$2" --namespace "$ns" --scenario get --objects "$OBJECTS" --gets "$GETS" --keep-objects --output "$OUT/$1-get-$3.md" >/dev/null 2>>"$OUT/bench.err"
  taskset -c 1 $BENCH --kubeconfig "$2" --namespace "$ns" --scenario create --objects 1 --duration "$DURATION" --output "$OUT/$1-create-$3.md" >/dev/null 2>>"$OUT/bench.err"
  printf '%s\t%s\t%s\t%s\t%s\n' "$3" "$1" "$(value 'get (8 clients)' 'gets/s' "$OUT/$1-get-$3.md")" "$(value 'get (8 clients)' 'latency p99' "$OUT/$1-get-$3.md")" "$(value 'create (8 clients)' 'creates/s' "$OUT/$1-create-$3.md")" | tee -a "$OUT/rounds.tsv"
}
# One discarded round each first: the first runs pay for JIT and cold caches, which would favour whoever runs later.
run admin "$KUBECONFIG" warmup >/dev/null; run user "$OUT/user.kubeconfig" warmup >/dev/null
sed -i '/^warmup/d' "$OUT/rounds.tsv"
echo -e "round\twho\tgets/s\tget p99\tcreates/s (8 clients)"
for r in $(seq 1 "$ROUNDS"); do
  if (( r % 2 )); then run admin "$KUBECONFIG" "$r"; run user "$OUT/user.kubeconfig" "$r"; else run user "$OUT/user.kubeconfig" "$r"; run admin "$KUBECONFIG" "$r"; fi
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
for who in admin user; do
  echo "median $who: gets/s $(awk -v w=$who '$2==w {print $3}' "$OUT/rounds.tsv" | median), creates/s $(awk -v w=$who '$2==w {print $5}' "$OUT/rounds.tsv" | median)"
done
echo "uptime: $(uptime)"
