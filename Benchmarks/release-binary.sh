# shellcheck shell=bash
# Sourced by the benchmarks: sets `binary` to $BINARY when given, else builds the release binary in
# the scratch path $SCRATCH (default .build-bench) and names it.
SCRATCH=${SCRATCH_PATH:-.build-bench}
if [ -n "${BINARY:-}" ]; then
    binary=$BINARY
else
    echo "building the release binary (scratch path $SCRATCH)…" >&2
    swift build -c release --scratch-path "$SCRATCH" --product fivetran-notify >&2
    binary="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/fivetran-notify"
fi
