#!/usr/bin/env bash
# Times `fivetran-notify webhook list --json` (release build) against a plain `curl` loop fetching the
# same pages, both against a local fake of Fivetran's API serving 5,000 webhooks (1,000 per page, so
# 5 pages). Prints both times and their ratio.
#
#   Benchmarks/webhook-list.sh            # builds release into .build (or $SCRATCH_PATH), then runs
#   RUNS=20 SCRATCH_PATH=.build-x Benchmarks/webhook-list.sh
#
# Uses hyperfine when installed (apt-get install hyperfine), else a timing loop of $RUNS runs each.
set -euo pipefail

cd "$(dirname "$0")/.."
COUNT=${COUNT:-5000}
PAGE=1000
RUNS=${RUNS:-10}
SCRATCH_PATH=${SCRATCH_PATH:-.build}

echo "building fivetran-notify (release, $SCRATCH_PATH)…" >&2
swift build -c release --scratch-path "$SCRATCH_PATH" --product fivetran-notify >&2
BIN="$(swift build -c release --scratch-path "$SCRATCH_PATH" --show-bin-path)/fivetran-notify"

WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

python3 Benchmarks/fake_fivetran.py "$COUNT" "$WORK/port" &
SERVER_PID=$!
for _ in $(seq 1 100); do
    [ -s "$WORK/port" ] && break
    sleep 0.05
done
PORT=$(cat "$WORK/port")
API="http://127.0.0.1:$PORT/v1"

export FIVETRAN_API_KEY=bench_key FIVETRAN_API_SECRET=bench_secret FIVETRAN_API_URL="$API"
export XDG_CONFIG_HOME="$WORK/config" XDG_STATE_HOME="$WORK/state"

# The curl baseline: the same pages, one curl per page, cursors followed from each answer.
cat > "$WORK/curl-loop.sh" <<CURL
#!/usr/bin/env bash
set -euo pipefail
cursor=""
while :; do
    url="$API/webhooks?limit=$PAGE"
    [ -n "\$cursor" ] && url="\$url&cursor=\$cursor"
    body=\$(curl -sS --fail -u bench_key:bench_secret -H 'Accept: application/json' "\$url")
    cursor=\$(printf '%s' "\$body" | grep -o '"next_cursor": *"[^"]*"' | sed 's/.*"\\([^"]*\\)"$/\\1/' || true)
    [ -z "\$cursor" ] && break
done
CURL
chmod +x "$WORK/curl-loop.sh"

# Check both work and see the same number of webhooks before timing anything.
items=$("$BIN" webhook list --json | grep -c '"id" *:' || true)
echo "fivetran-notify listed $items webhooks" >&2
[ "$items" -eq "$COUNT" ] || { echo "expected $COUNT webhooks, got $items" >&2; exit 1; }
"$WORK/curl-loop.sh"

TOOL_CMD="$BIN webhook list --json > /dev/null"
CURL_CMD="$WORK/curl-loop.sh"

if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --warmup 2 --runs "$RUNS" --export-json "$WORK/h.json" \
        -n "fivetran-notify webhook list --json" "$TOOL_CMD" \
        -n "curl loop (5 pages)" "$CURL_CMD" >&2
    # The median: on a shared machine one slow run would otherwise move the mean a lot.
    read -r tool curl_t < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(r[0]["median"] * 1000, r[1]["median"] * 1000)' "$WORK/h.json")
    STAT=median
else
    time_ms() { # mean wall time in ms of $RUNS runs of "$1"
        local start end
        bash -c "$1" >/dev/null  # warm-up
        start=$(date +%s%N)
        for _ in $(seq 1 "$RUNS"); do bash -c "$1" >/dev/null; done
        end=$(date +%s%N)
        echo $(( (end - start) / RUNS / 1000000 ))
    }
    tool=$(time_ms "$TOOL_CMD")
    curl_t=$(time_ms "$CURL_CMD")
    STAT=mean
fi

python3 - "$tool" "$curl_t" "$COUNT" "$STAT" <<'PY'
import sys
tool, curl, count, stat = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
print(f"webhook list --json, {count} webhooks in {count // 1000} pages of 1000 ({stat} of runs):")
print(f"  fivetran-notify: {tool:8.1f} ms")
print(f"  curl loop:       {curl:8.1f} ms")
print(f"  ratio (fivetran-notify / curl): {tool / curl:.2f}")
PY
