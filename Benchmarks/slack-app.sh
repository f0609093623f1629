#!/usr/bin/env bash
# Slack app mode through `fivetran-notify listen` (release build) on 127.0.0.1; not part of the unit
# suite. Against a fake Slack Web API and a fake incoming webhook it prints the p50/p90 latency of a
# single failure with the bot token (chat.postMessage) and with the incoming webhook, then sends STORM
# failures of distinct connectors at once and their STORM recoveries with the bot token (signed button
# clicks arriving meanwhile), and prints how long until every connector was named, how many parent
# messages, how long until every parent was green, the Web API calls, and how fast clicks were answered.
# The work is done by Benchmarks/slack-app.py (Python 3 standard library only; see its docstring).
#
#   Benchmarks/slack-app.sh                      # 20 singles per path, a storm of 1000
#   SINGLES=50 STORM=2000 Benchmarks/slack-app.sh
#   BINARY=/path/to/fivetran-notify Benchmarks/slack-app.sh   # skips the build
#   KEEP=1 Benchmarks/slack-app.sh               # keep the work dir (each listener's log and state)
set -euo pipefail

cd "$(dirname "$0")/.."

command -v python3 >/dev/null || { echo "slack-app.sh: python3 is not installed" >&2; exit 1; }

# shellcheck source=Benchmarks/release-binary.sh
source Benchmarks/release-binary.sh
[ -x "$binary" ] || { echo "slack-app.sh: $binary is not an executable" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/fivetran-notify-slack-app.XXXXXX")
# shellcheck disable=SC2317  # called by the trap
cleanup() {
    if [ -n "${KEEP:-}" ]; then echo "slack-app.sh: work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/config"
python3 Benchmarks/slack-app.py "$binary" "$work"
