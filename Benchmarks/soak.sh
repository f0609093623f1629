#!/usr/bin/env bash
# Fault-injection ("soak") run of `fivetran-notify listen` (release build) on 127.0.0.1; not part of
# the unit suite. For DURATION seconds it sends at least HOSTILE hostile requests (bad and missing
# signatures, signed and unsigned non-JSON, truncated JSON, bodies shorter than their Content-Length,
# 2 MiB bodies plain and chunked, 64 KiB headers, garbage bytes, random methods and paths, slow
# byte-at-a-time requests, idle connections) mixed with VALID signed failures of distinct connectors
# (soak_0, soak_1, …), while a fake Slack answers 500, 429 (Retry-After: 1) and 200 in turns and the
# listener is SIGKILLed and restarted KILLS times on the same port and state directory (every second
# kill right after the fake Slack sent a 200, inside the crash window). Then Slack answers only 200
# for up to DRAIN seconds (until every acknowledged connector is posted and the outbox is quiet), the
# listener gets SIGTERM, and it prints:
#   - lost: connectors whose delivery was answered 200 but that no Slack post (answered 200) names;
#   - posts beyond one per delivery, split into those the crash window explains (Slack's 200 to the
#     last request before a kill, posted again after the restart: at-least-once) and the rest;
#   - crashes other than the kills, the number of kills, the peak RSS, how long the listener, though
#     up, answered no GET /healthz (probed every half second), answers a correct listener would not
#     give, and the elapsed time.
# Exit status 1 when anything was lost, the listener crashed, or the run fell short of HOSTILE/KILLS.
# The work is done by Benchmarks/soak.py (Python 3 standard library only; see its docstring).
#
#   Benchmarks/soak.sh                          # 120 s of load, ≥ 10,000 hostile, 600 valid, 6 kills
#   DURATION=60 HOSTILE=5000 KILLS=5 Benchmarks/soak.sh
#   BINARY=/path/to/fivetran-notify Benchmarks/soak.sh   # skips the build
#   SEED=42 KEEP=1 Benchmarks/soak.sh           # repeatable choices; keep the work dir (listener logs,
#                                               # state, slack.tsv: every request the fake Slack saw)
#   KINDS="2 MiB" KILLS=0 Benchmarks/soak.sh    # only some hostile kinds (diagnosis)
#
# Before the soak, Benchmarks/flood.py floods it with 150 clients x 1 MiB bad bodies (FLOOD=0 skips).
# Other settings: DRAIN (180), WORKERS (4), SLOW_WORKERS (2), IDLE_WORKERS (2), PORT (a free one),
# LISTEN_ARGS (extra `listen` arguments). A run takes at most about DURATION + DRAIN + 40 s, typically
# about 4 minutes (the drain ends once everything is posted).
set -euo pipefail

cd "$(dirname "$0")/.."

command -v python3 >/dev/null || { echo "soak.sh: python3 is not installed" >&2; exit 1; }

# shellcheck source=Benchmarks/release-binary.sh
source Benchmarks/release-binary.sh
[ -x "$binary" ] || { echo "soak.sh: $binary is not an executable" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/fivetran-notify-soak.XXXXXX")
soak_pid=
# shellcheck disable=SC2317  # called by the trap
cleanup() {
    if [ -n "$soak_pid" ]; then
        kill -TERM "$soak_pid" 2>/dev/null || true
        wait "$soak_pid" 2>/dev/null || true
    fi
    # soak.py kills the listener it started on its way out; this covers a soak.py that could not.
    if [ -f "$work/listener.pid" ]; then kill -KILL "$(cat "$work/listener.pid")" 2>/dev/null || true; fi
    if [ -n "${KEEP:-}" ]; then echo "soak.sh: work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# First the large-body flood (cli.md "Memory has a budget"): RSS before, at peak and 20 s after, and
# valid deliveries' answer times meanwhile. FLOOD=0 skips it.
if [ "${FLOOD:-1}" != 0 ]; then
    python3 Benchmarks/flood.py "$binary"
fi

python3 Benchmarks/soak.py "$binary" "$work" &
soak_pid=$!
status=0
wait "$soak_pid" || status=$?
soak_pid=
exit "$status"
