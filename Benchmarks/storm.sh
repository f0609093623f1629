#!/usr/bin/env bash
# Failure storm through `fivetran-notify listen` (release build) on 127.0.0.1; not part of the unit
# suite. Fake Slack, PagerDuty, Teams and forward receivers sit on the default route at the default
# pacing (what users get); STORM signed `sync_end` failures of distinct connectors arrive at once
# (32 threads, keep-alive), and for each destination kind it prints how long, from the first delivery
# sent, until every connector had been named, and how many requests that took; PagerDuty, paced under
# 120 events a minute, cannot finish in MAX_WAIT, so it gets the count triggered then, its rate and
# the projected time to all. Also the listener's peak RSS and CPU time, the warnings and errors of its
# log, and Slack against its figure from before PagerDuty and Teams existed (1000 named in about 2 s
# with about 5 posts). It reports; it does not assert figures.
# The work is done by Benchmarks/storm.py (Python 3 standard library only; see its docstring).
#
#   Benchmarks/storm.sh                          # 1000 connectors, all four kinds, at most 60 s
#   STORM=5000 MAX_WAIT=120 Benchmarks/storm.sh
#   KINDS=slack Benchmarks/storm.sh              # Slack alone (for "alone vs beside the others")
#   BINARY=/path/to/fivetran-notify Benchmarks/storm.sh   # skips the build
#   KEEP=1 Benchmarks/storm.sh                   # keep the work dir (listen.log, every request each
#                                                # fake receiver saw as requests-<kind>.jsonl)
#
# Other settings: THREADS (32), LINGER (2: seconds kept listening after all named, to count later
# posts), PORT (a free one), LISTEN_ARGS (extra `listen` arguments).
# Exit status 1 when the listener did not start or crashed, or a delivery was not answered 200.
set -euo pipefail

cd "$(dirname "$0")/.."

command -v python3 >/dev/null || { echo "storm.sh: python3 is not installed" >&2; exit 1; }

# shellcheck source=Benchmarks/release-binary.sh
source Benchmarks/release-binary.sh
[ -x "$binary" ] || { echo "storm.sh: $binary is not an executable" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/fivetran-notify-storm.XXXXXX")
storm_pid=
# shellcheck disable=SC2317  # called by the trap
cleanup() {
    if [ -n "$storm_pid" ]; then
        kill -TERM "$storm_pid" 2>/dev/null || true
        wait "$storm_pid" 2>/dev/null || true
    fi
    if [ -n "${KEEP:-}" ]; then echo "storm.sh: work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

python3 Benchmarks/storm.py "$binary" "$work" &
storm_pid=$!
status=0
wait "$storm_pid" || status=$?
storm_pid=
exit "$status"
