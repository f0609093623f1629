#!/usr/bin/env bash
# Benchmark of `fivetran-notify listen` (release build, --dry-run, so every delivery is verified and
# durably stored but nothing is posted) against adnanh/webhook (payload-hmac-sha256 rule on
# X-Fivetran-Signature-256, running /bin/true) and against the same Hummingbird server answering a
# bare 200 (`listen --bare`, hidden, benchmark only: the ceiling of this machine).
#
# wrk drives distinct precomputed signed `sync_end` SUCCESSFUL deliveries (Benchmarks/listen.lua), so
# deduplication makes nothing easy. Runs the three servers in turn, ROUNDS times, and prints for each
# the median req/s, p99 and CPU time per request, the highest peak RSS, and the issue's ratios.
#
#   Benchmarks/listen.sh                 # 64 connections, 15 s per server, 3 rounds
#   DURATION=30s CONNECTIONS=64 ROUNDS=5 Benchmarks/listen.sh
#   COMPARE_BINARY=/path/to/older/fivetran-notify Benchmarks/listen.sh   # also runs an older build in
#                                        # each round, as "before", for before/after figures in one run
#   DATABASE_URL=postgres://… PG_ADMIN="psql -h … -U postgres" Benchmarks/listen.sh   # also runs the
#                                        # same listener with --database (a new database per round, made
#                                        # with PG_ADMIN), as "listen-pg" (Benchmarks/ha.sh INTAKE=1 does)
#   BINARY=.build/debug/fivetran-notify Benchmarks/listen.sh   # skips the release build
#
# Needs: wrk and webhook (Debian packages of those names), python3. Only 127.0.0.1 is used.
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${WRK_THREADS:-2}
ROUNDS=${ROUNDS:-3}       # each server this many times, interleaved; medians are reported
BODIES=${BODIES:-400000}  # more than a 15 s run sends, so no delivery repeats
BASE_PORT=${BASE_PORT:-18470}

for tool in wrk webhook python3; do
    command -v "$tool" >/dev/null || { echo "listen.sh: $tool is not installed (apt-get install $tool)" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=Benchmarks/release-binary.sh
source Benchmarks/release-binary.sh

key=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export BODIES_FILE="$work/bodies.tsv" WRK_THREADS="$THREADS"
python3 - "$key" "$BODIES" "$BODIES_FILE" <<'PY'
import hashlib, hmac, json, sys, uuid
key, count, path = sys.argv[1].encode(), int(sys.argv[2]), sys.argv[3]
with open(path, "w") as out:
    for i in range(count):
        body = json.dumps({
            "event": "sync_end",
            "created": "2026-05-22T%02d:%02d:%02d.%03dZ" % (i // 3600000 % 24, i // 60000 % 60, i // 1000 % 60, i % 1000),
            "connector_type": "google_cloud_postgresql",
            "connector_id": "bench_connector_%d" % (i % 500),
            "connector_name": "bench_pg_%d" % (i % 500),
            "sync_id": str(uuid.uuid4()),
            "destination_group_id": "bench_destination",
            "data": {"status": "SUCCESSFUL"},
        }, separators=(",", ":"))
        sig = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
        out.write(sig + "\t" + body + "\n")
PY

wait_for_port() {
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "listen.sh: nothing is listening on port $1" >&2
    return 1
}

# CPU time (user + system) a process has used, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run NAME PID URL: drives the server with wrk, then records its rate, p99, peak RSS and the CPU time it
# spent per request (which, on a machine whose cores wrk shares, is what bounds the rate).
run() {
    local name=$1 pid=$2 url=$3
    echo "== round $round, $name: wrk -t$THREADS -c$CONNECTIONS -d$DURATION $url" >&2
    local before
    before=$(cpu_ticks "$pid")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s Benchmarks/listen.lua "$url" \
        >"$work/$name.txt" 2>&1 || true
    local after line
    after=$(cpu_ticks "$pid")
    cat "$work/$name.txt" >&2
    line=$(grep '^RESULT' "$work/$name.txt" || true)
    local non2xx
    non2xx=$(sed -n 's/.* non2xx=\([0-9]*\).*/\1/p' <<<"$line")
    if [ "${non2xx:-0}" != "0" ]; then echo "warning: $name answered $non2xx non-2xx responses" >&2; fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" \
        "$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$line")" \
        "$(sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p' <<<"$line")" \
        "$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")" \
        "$((after - before))" \
        "$(sed -n 's/.*RESULT requests=\([0-9]*\).*/\1/p' <<<"$line")" >>"$work/results.tsv"
}

# listen_round NAME BINARY PORT [DATABASE_URL]: one wrk run against `BINARY listen --dry-run` on a new
# state directory (and, with a URL, on that database).
listen_round() {
    local name=$1 bin=$2 port=$3 database=${4:-}
    local extra=()
    if [ -n "$database" ]; then extra=(--database "$database"); fi
    FIVETRAN_SIGNING_KEY=$key XDG_CONFIG_HOME="$work/config" "$bin" listen --dry-run --host 127.0.0.1 \
        --port "$port" --state-dir "$work/state-$name-$round" "${extra[@]}" >/dev/null 2>"$work/$name.log" &
    pids+=($!)
    local pid=$!
    wait_for_port "$port"
    run "$name" "$pid" "http://127.0.0.1:$port/"
    kill -TERM "$pid"
    wait "$pid" || true
    local stored
    if [ -n "$database" ]; then
        stored=$($PG_ADMIN -d "bench_$round" -tA -c 'select count(*) from delivery')
        local commits
        commits=$($PG_ADMIN -d "bench_$round" -tA -c \
            'select xact_commit from pg_stat_database where datname = current_database()')
        echo "$name committed $commits transactions (group commits, heartbeats and reads)" >&2
    else
        stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from delivery').fetchone()[0])" \
            "$work/state-$name-$round/fivetran-notify.sqlite")
    fi
    echo "$name stored $stored distinct deliveries" >&2
}

for round in $(seq 1 "$ROUNDS"); do
    # fivetran-notify listen --dry-run: verify + durable store (synchronous=FULL) + 200, on a new state.
    listen_round listen "$binary" $((BASE_PORT + 4 * round))
    if [ -n "${COMPARE_BINARY:-}" ]; then listen_round before "$COMPARE_BINARY" $((BASE_PORT + 4 * round + 3)); fi
    if [ -n "${DATABASE_URL:-}" ]; then
        $PG_ADMIN -d postgres -c "CREATE DATABASE bench_$round"
        listen_round listen-pg "$binary" $((BASE_PORT + 40 + round)) "${DATABASE_URL%/*}/bench_$round?${DATABASE_URL#*\?}"
    fi

    # adnanh/webhook with an HMAC rule and /bin/true.
    port=$((BASE_PORT + 4 * round + 1))
    cat >"$work/hooks.json" <<JSON
[{"id": "fivetran", "execute-command": "/bin/true", "response-message": "ok",
  "trigger-rule": {"match": {"type": "payload-hmac-sha256", "secret": "$key",
    "parameter": {"source": "header", "name": "X-Fivetran-Signature-256"}}}}]
JSON
    webhook -hooks "$work/hooks.json" -ip 127.0.0.1 -port "$port" >"$work/webhook.log" 2>&1 &
    pids+=($!)
    webhook_pid=$!
    wait_for_port "$port"
    run webhook "$webhook_pid" "http://127.0.0.1:$port/hooks/fivetran"
    kill "$webhook_pid"

    # The bare Hummingbird ceiling.
    port=$((BASE_PORT + 4 * round + 2))
    XDG_CONFIG_HOME="$work/config" "$binary" listen --bare --host 127.0.0.1 --port "$port" >/dev/null 2>&1 &
    pids+=($!)
    bare_pid=$!
    wait_for_port "$port"
    run bare "$bare_pid" "http://127.0.0.1:$port/"
    kill "$bare_pid"
done

# Medians over the rounds (peak RSS: the highest), then the issue's ratios.
python3 - "$work/results.tsv" "$(getconf CLK_TCK)" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
ticks = int(sys.argv[2])
def num(text):
    try:
        return float(text)
    except ValueError:
        return float("nan")
summary = {}
for name in ("listen", "listen-pg", "before", "webhook", "bare"):
    mine = [r for r in rows if r[0] == name]
    if not mine:
        continue
    cpu = [num(r[4]) / ticks / num(r[5]) * 1e6 for r in mine if num(r[5]) > 0]
    summary[name] = dict(
        rps=statistics.median(num(r[1]) for r in mine), p99=statistics.median(num(r[2]) for r in mine),
        rss=max(num(r[3]) for r in mine), cpu=statistics.median(cpu) if cpu else float("nan"),
        rounds=", ".join("%.0f/s %.1f ms" % (num(r[1]), num(r[2])) for r in mine))
print()
print("%-10s %12s %10s %14s %16s   %s" % ("server", "req/s", "p99 ms", "peak RSS MB", "CPU us/request", "each round"))
for name, s in summary.items():
    print("%-10s %12.1f %10.2f %14.1f %16.0f   %s" % (name, s["rps"], s["p99"], s["rss"], s["cpu"], s["rounds"]))
listen, webhook, bare = summary["listen"], summary["webhook"], summary["bare"]
print()
print("listen / webhook rate:  %.2f   (target >= 1.2)" % (listen["rps"] / webhook["rps"]))
print("listen / bare rate:     %.2f   (target >= 0.8)" % (listen["rps"] / bare["rps"]))
print("listen / webhook p99:   %.2f   (target <= 0.33)" % (listen["p99"] / webhook["p99"]))
print("listen peak RSS:        %.1f MB   (target <= 45)" % listen["rss"])
if "listen-pg" in summary:
    pg = summary["listen-pg"]
    print("PostgreSQL / SQLite rate: %.2f   p99: %.2f   CPU per request: %.2f   (target rate >= 0.5)"
          % (pg["rps"] / listen["rps"], pg["p99"] / listen["p99"], pg["cpu"] / listen["cpu"]))
if "before" in summary:
    before = summary["before"]
    print("listen / before rate:   %.2f   CPU per request: %.2f" % (listen["rps"] / before["rps"], listen["cpu"] / before["cpu"]))
PY
