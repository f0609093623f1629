#!/usr/bin/env bash
# Several listeners on one PostgreSQL (ha.md) through a failure storm, one SIGKILLed mid-way; not part
# of the unit suite. The work is done by Benchmarks/ha.py (its docstring says what it measures): for
# two and three nodes it prints deliveries acknowledged, connectors named, lost (must be 0), posts sent
# twice, the cluster's peak posts per second to the one Slack channel, and the time until every
# connector was named. Then, with INTAKE=1, the intake rate, p99 and CPU per delivery of one listener
# on PostgreSQL against the same listener on SQLite, in the same sitting (Benchmarks/listen.sh with
# DATABASE_URL set, on a PostgreSQL this script starts).
#
#   Benchmarks/ha.sh                                  # release build, 1000 failures, 2 then 3 nodes
#   BINARY=.build/debug/fivetran-notify Benchmarks/ha.sh   # skips the build (label debug figures so)
#   STORM=5000 NODES="3" KILL_AT=1000 Benchmarks/ha.sh
#   INTAKE=1 DURATION=10s ROUNDS=1 Benchmarks/ha.sh   # also listen.sh, SQLite vs PostgreSQL
#   NODES=none INTAKE=1 Benchmarks/ha.sh              # the intake comparison alone
#
# Needs: python3 and Debian's postgresql (server binaries and psql); for INTAKE, wrk and webhook.
set -euo pipefail

cd "$(dirname "$0")/.."

# shellcheck source=Benchmarks/release-binary.sh
source Benchmarks/release-binary.sh
[ -x "$binary" ] || { echo "ha.sh: $binary is not an executable" >&2; exit 1; }

if [ "${NODES:-}" != none ]; then python3 Benchmarks/ha.py "$binary"; fi

if [ -n "${INTAKE:-}" ]; then
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    work=$(mktemp -d "${TMPDIR:-/tmp}/fivetran-notify-ha-intake.XXXXXX")
    as_user=()
    if [ "$(id -u)" = 0 ]; then
        as_user=(runuser -u postgres --)
        chmod 755 "$work"
        chown postgres:postgres "$work"
    fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "${as_user[@]}" "$bin/initdb" -D "$work/data" -U postgres --auth=trust -E UTF8 >/dev/null
    "${as_user[@]}" "$bin/pg_ctl" -D "$work/data" -l "$work/log" -w start \
        -o "-p $port -k $work -c listen_addresses=127.0.0.1" >/dev/null
    # shellcheck disable=SC2317  # called by the trap
    stop() { "${as_user[@]}" "$bin/pg_ctl" -D "$work/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$work"; }
    trap stop EXIT
    # listen.sh makes a database per round from this one's server (PG_ADMIN), so each starts empty.
    DATABASE_URL="postgres://postgres:x@127.0.0.1:$port/postgres?sslmode=disable" \
        PG_ADMIN="psql -h $work -p $port -U postgres -q" COMPARE_BINARY='' BINARY="$binary" Benchmarks/listen.sh
fi
