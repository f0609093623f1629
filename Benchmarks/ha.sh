#!/usr/bin/env bash
# Several listeners on one PostgreSQL (ha.md), release build, on 127.0.0.1; not part of the unit
# suite. Starts a private PostgreSQL server (Debian's `postgresql` package: initdb and pg_ctl in
# /usr/lib/postgresql/*/bin; as the `postgres` user when run as root) on a free port, then:
#   1. for each of NODES ("2 3") listeners: a new database, a 1,000-failure storm spread over the
#      nodes, node1 killed with SIGKILL half-way (Benchmarks/ha.py prints answered, named, lost, named
#      twice, the cluster's peak Slack send rate and the time until every connector was named);
#   2. Benchmarks/listen.sh with POSTGRES_ADMIN_URL: intake rate, p99 and CPU per delivery of one
#      listener on PostgreSQL against the same listener on SQLite, in the same rounds (INTAKE=0 skips).
#
#   Benchmarks/ha.sh
#   NODES="2" STORM=2000 Benchmarks/ha.sh
#   BINARY=/path/to/fivetran-notify Benchmarks/ha.sh        # skips the build
#   POSTGRES_ADMIN_URL=postgres://postgres:…@db:5432/postgres Benchmarks/ha.sh   # an existing server
#   KEEP=1 Benchmarks/ha.sh                                   # keep the work dir (each node's log)
#
# Needs python3 and psql (and, for step 2, wrk and webhook: see listen.sh).
set -euo pipefail

cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH_PATH:-.build-bench}
NODES=${NODES:-"2 3"}

for tool in python3 psql; do
    command -v "$tool" >/dev/null || { echo "ha.sh: $tool is not installed (apt-get install postgresql)" >&2; exit 1; }
done

if [ -n "${BINARY:-}" ]; then
    binary=$BINARY
else
    echo "building the release binary (scratch path $SCRATCH)…" >&2
    swift build -c release --scratch-path "$SCRATCH" --product fivetran-notify >&2
    binary="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/fivetran-notify"
fi
[ -x "$binary" ] || { echo "ha.sh: $binary is not an executable" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/fivetran-notify-ha.XXXXXX")
chmod 755 "$work"
pgdata="$work/pgdata"
as_postgres=()
if [ "$(id -u)" = 0 ]; then as_postgres=(runuser -u postgres --); fi
# shellcheck disable=SC2317  # called by the trap
cleanup() {
    if [ -f "$pgdata/postmaster.pid" ]; then
        "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1 || true
    fi
    if [ -n "${KEEP:-}" ]; then echo "ha.sh: work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

if [ -z "${POSTGRES_ADMIN_URL:-}" ]; then
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -x "$pg_bin/initdb" ] || { echo "ha.sh: no PostgreSQL server here (apt-get install postgresql)" >&2; exit 1; }
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$pgdata"
    [ ${#as_postgres[@]} -eq 0 ] || chown postgres "$pgdata"
    "${as_postgres[@]}" "$pg_bin/initdb" -D "$pgdata" -U postgres -A trust >/dev/null
    "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pgdata" -w -l "$pgdata/server.log" \
        -o "-p $port -k $pgdata -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
    POSTGRES_ADMIN_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "ha.sh: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
fi

status=0
for count in $NODES; do
    database="ha_${count}_nodes_$$"
    psql "$POSTGRES_ADMIN_URL" -qc "CREATE DATABASE $database" >/dev/null
    mkdir -p "$work/run-$count"
    python3 Benchmarks/ha.py "$binary" "${POSTGRES_ADMIN_URL%/*}/$database" "$count" "$work/run-$count" || status=1
    echo
done

if [ "${INTAKE:-1}" != 0 ]; then
    POSTGRES_ADMIN_URL=$POSTGRES_ADMIN_URL BINARY=$binary Benchmarks/listen.sh || status=1
fi
exit $status
