#!/usr/bin/env bash
# Benchmarks of docs/benchmarks.md "PostgreSQL": SQLite vs PostgreSQL with 1 and 2 replicas (creates/s),
# cross-replica watch delivery, and LIST of many objects. Needs the PostgreSQL server binaries; run as root
# (PostgreSQL then runs as the 'postgres' user) or as a normal user. Results go to $OUT (default /tmp/hb).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/hb}; DURATION=${DURATION:-10s}; LIST_OBJECTS=${LIST_OBJECTS:-100000}; ONLY=${ONLY:-create,watch,list}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); PGPORT=${PGPORT:-25432}
mkdir -p "$OUT"
for p in src/Datum bench/Datum.Bench; do dotnet build -c Release -nologo -v quiet "$p" >/dev/null; done
DATUM="dotnet src/Datum/bin/Release/net10.0/datum.dll"
BENCH="dotnet bench/Datum.Bench/bin/Release/net10.0/datum-bench.dll"
[ -f "$BENCH" ] || BENCH="dotnet run -c Release --no-build --project bench/Datum.Bench --"
RUNAS=(); [ "$(id -u)" = 0 ] && RUNAS=(runuser -u postgres --)

PGDIR=$(mktemp -d /tmp/datum-bench-pg.XXXX); [ "$(id -u)" = 0 ] && chown postgres "$PGDIR"
"${RUNAS[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U datum --auth=trust --no-locale -E UTF8 >/dev/null
printf "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\nfsync = on\nsynchronous_commit = on\nmax_connections = 300\n" "$PGPORT" >> "$PGDIR/data/postgresql.conf"
"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w start >/dev/null
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null || true; rm -rf "$PGDIR"; }
trap cleanup EXIT
db() { "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U datum "$1"; echo "postgres://datum@127.0.0.1:$PGPORT/$1"; }
up() { # name port [endpoint]
  local dir="$OUT/$1"; rm -rf "$dir"; mkdir -p "$dir"
  $DATUM up --data-dir "$dir" --secure-port "$2" ${3:+--datastore-endpoint "$3"} >"$OUT/$1.log" 2>&1 & PIDS+=($!)
  for _ in $(seq 1 100); do grep -q "serving at" "$OUT/$1.log" && return; sleep 0.2; done; cat "$OUT/$1.log"; exit 1
}
bench() { local name=$1; shift; $BENCH "$@" --output "$OUT/$name.md" >/dev/null 2>"$OUT/$name.err" || { cat "$OUT/$name.err"; }; }

up sqlite 16601
up pg1 16611 "$(db pg1)"
EP2=$(db pg2); up pg2a 16621 "$EP2"; up pg2b 16622 "$EP2"
if [[ $ONLY == *create* ]]; then
bench sqlite-create --kubeconfig "$OUT/sqlite/admin.kubeconfig" --scenario create --duration "$DURATION" --namespace c1
bench pg1-create --kubeconfig "$OUT/pg1/admin.kubeconfig" --scenario create --duration "$DURATION" --namespace c1
# Two load generators at once, one per replica, 4 clients each (8 in all).
bench pg2a-create --kubeconfig "$OUT/pg2a/admin.kubeconfig" --scenario create --duration "$DURATION" --concurrency 4 --namespace c2a & other=$!
bench pg2b-create --kubeconfig "$OUT/pg2b/admin.kubeconfig" --scenario create --duration "$DURATION" --concurrency 4 --namespace c2b
wait "$other" || true
fi
if [[ $ONLY == *watch* ]]; then
# Watches on B, writes through A; then the same replica for comparison.
bench pg2-watch-cross --kubeconfig "$OUT/pg2a/admin.kubeconfig" --watch-kubeconfig "$OUT/pg2b/admin.kubeconfig" --scenario watch --objects 100 --watchers 20 --watch-rate 200 --duration "$DURATION" --namespace w
bench pg2-watch-same --kubeconfig "$OUT/pg2a/admin.kubeconfig" --scenario watch --objects 100 --watchers 20 --watch-rate 200 --duration "$DURATION" --namespace w
bench sqlite-watch --kubeconfig "$OUT/sqlite/admin.kubeconfig" --scenario watch --objects 100 --watchers 20 --watch-rate 200 --duration "$DURATION" --namespace w
fi
if [[ $ONLY == *list* ]]; then
# LIST of many objects (fills to LIST_OBJECTS first).
bench pg1-list --kubeconfig "$OUT/pg1/admin.kubeconfig" --scenario list --objects "$LIST_OBJECTS" --namespace l --keep-objects
bench sqlite-list --kubeconfig "$OUT/sqlite/admin.kubeconfig" --scenario list --objects "$LIST_OBJECTS" --namespace l --keep-objects
fi
echo "results in $OUT"
