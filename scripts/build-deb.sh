#!/usr/bin/env bash
# Builds the Debian package fivetran-notify_<version>_<arch>.deb (packaging.md):
#   scripts/build-deb.sh [--out DIR] [--binary PATH]
# - a release build with the Swift standard library linked statically (.build-release/), so the
#   machine that installs the package needs no Swift; --binary uses one already built that way;
# - laid out by debhelper from packaging/debian/ (maintainer scripts, control, rules), the unit from
#   deploy/fivetran-notify.service, the example settings from deploy/config.toml, the man page and
#   completions from man/ and completions/ (scripts/generate-docs.sh makes those);
# - <version> is what `fivetran-notify --version` prints (FivetranNotify.version in the source);
#   the changelog entry is written from it.
# The package lands in DIR (default: the repository's root) and its path is the last line printed.
# Needs dpkg-dev and debhelper (apt-get install dpkg-dev debhelper).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

out=$root
binary=""
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-deb.sh: unknown argument $1 (see --help)" >&2; exit 64 ;;
    esac
done

for tool in dpkg-buildpackage dh dpkg-shlibdeps; do
    if ! command -v "$tool" >/dev/null; then
        echo "build-deb.sh: $tool is missing; install it with: apt-get install dpkg-dev debhelper" >&2
        exit 1
    fi
done

if [ -z "$binary" ]; then
    echo "== release build (--static-swift-stdlib, .build-release/)"
    nice -n 10 swift build -c release --static-swift-stdlib --scratch-path .build-release \
        --product fivetran-notify
    binary="$(swift build -c release --static-swift-stdlib --scratch-path .build-release --show-bin-path)/fivetran-notify"
fi
[ -x "$binary" ] || { echo "build-deb.sh: no executable at $binary" >&2; exit 1; }

version=$("$binary" --version)
arch=$(dpkg --print-architecture)
# The dates in the package (changelog, file times) are the last commit's, so the same commit
# builds the same package.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="$work/fivetran-notify-$version"
mkdir -p "$src/staged/completions"
cp -r packaging/debian "$src/debian"
cp deploy/fivetran-notify.service "$src/debian/fivetran-notify.service"
cp "$binary" "$src/staged/fivetran-notify"
cp man/fivetran-notify.1 README.md deploy/config.toml "$src/staged/"
cp completions/fivetran-notify.bash completions/_fivetran-notify completions/fivetran-notify.fish \
    "$src/staged/completions/"

maintainer=$(sed -n 's/^Maintainer: //p' packaging/debian/control)
cat >"$src/debian/changelog" <<EOF
fivetran-notify ($version) unstable; urgency=medium

  * fivetran-notify $version, built from commit $commit. What changed is in
    the project's history; /usr/share/doc/fivetran-notify/README.md.gz
    describes this release.

 -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
EOF

echo "== dpkg-buildpackage (fivetran-notify $version, $arch)"
(cd "$src" && dpkg-buildpackage --build=binary --no-sign --no-check-builddeps >"$work/build.log" 2>&1) || {
    cat "$work/build.log" >&2
    echo "build-deb.sh: dpkg-buildpackage failed (its log is above)" >&2
    exit 1
}
grep -E "^dpkg-deb: |warning" "$work/build.log" || true

deb="fivetran-notify_${version}_${arch}.deb"
mkdir -p "$out"
mv "$work/$deb" "$out/$deb"
echo "Depends: $(dpkg-deb -f "$out/$deb" Depends)"
echo "$out/$deb"
