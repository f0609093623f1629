#!/usr/bin/env bash
# Regenerates the shell completions and the man page from the command-line definitions.
#   scripts/generate-docs.sh          write completions/ and man/
#   scripts/generate-docs.sh --check  regenerate into a temporary folder and fail if the committed
#                                     files differ (CI runs this so they never go stale)
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned so the man page does not change every day; bump it when the command line changes.
MAN_DATE=2026-12-07

check=false
[ "${1:-}" = "--check" ] && check=true

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/completions" "$out/man"

swift build --product fivetran-notify >/dev/null
bin="$(swift build --show-bin-path)/fivetran-notify"
"$bin" --generate-completion-script bash >"$out/completions/fivetran-notify.bash"
"$bin" --generate-completion-script zsh >"$out/completions/_fivetran-notify"
"$bin" --generate-completion-script fish >"$out/completions/fivetran-notify.fish"

swift package plugin generate-manual --configuration debug --date "$MAN_DATE" >/dev/null
cp .build/plugins/GenerateManual/outputs/fivetran-notify/fivetran-notify.1 "$out/man/fivetran-notify.1"

if $check; then
    if ! diff -r completions "$out/completions" >/dev/null || ! diff -r man "$out/man" >/dev/null; then
        diff -ru completions "$out/completions" || true
        diff -ru man "$out/man" || true
        echo "completions/ or man/ are out of date: run scripts/generate-docs.sh and commit the result." >&2
        exit 1
    fi
    echo "completions/ and man/ are up to date."
else
    mkdir -p completions man
    cp "$out"/completions/* completions/
    cp "$out/man/fivetran-notify.1" man/
    echo "wrote completions/ and man/fivetran-notify.1"
fi
