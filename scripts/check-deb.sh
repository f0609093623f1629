#!/usr/bin/env bash
# Checks a built package as an administrator would find it (packaging.md, "Checked in CI"):
#   scripts/check-deb.sh fivetran-notify_<version>_<arch>.deb
# lintian (no errors; warnings printed), then, as root on this machine: apt-get install ./….deb, the
# version, man page, completions, service user, key and settings' owner and mode, the unit
# (systemd-analyze verify and security), the unit's own ExecStart run as the service user with
# --dry-run answering /healthz, an upgrade in place that keeps key, config and state, and a purge
# that leaves nothing behind. Meant for CI and throwaway machines: it installs and purges the
# package (an installed fivetran-notify is purged first).
# Needs lintian, systemd (for systemd-analyze), man-db and curl.
set -euo pipefail

deb=${1:?usage: scripts/check-deb.sh PATH/TO/fivetran-notify_VERSION_ARCH.deb}
deb=$(realpath "$deb")
[ "$(id -u)" = 0 ] || { echo "check-deb.sh: run it as root (it installs and purges the package)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
for tool in lintian systemd-analyze man curl setpriv; do
    command -v "$tool" >/dev/null || {
        echo "check-deb.sh: $tool is missing; install it with: apt-get install lintian systemd man-db curl" >&2
        exit 1
    }
done

name=fivetran-notify
unit=/lib/systemd/system/$name.service
failures=0
pass() { echo "  ok: $*"; }
fail() {
    echo "  FAILED: $*" >&2
    failures=$((failures + 1))
}
check() { # check DESCRIPTION COMMAND…
    local what=$1
    shift
    if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}
absent() { # absent PATH…: none of them exists (not even as a dangling link)
    local path
    for path in "$@"; do
        if [ -e "$path" ] || [ -L "$path" ]; then fail "$path is left after purge"; else pass "$path is gone"; fi
    done
}
owner_mode() { stat -c '%U:%G %a' "$1" 2>/dev/null || echo missing; }

version=$(dpkg-deb -f "$deb" Version)
echo "== $deb ($version, $(du -k "$deb" | cut -f1) KiB)"
dpkg-deb -f "$deb" Depends | sed 's/^/  Depends: /'

echo "== lintian"
lintian_out=$(lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v "running with root privileges") || true
if [ -n "$lintian_out" ]; then echo "$lintian_out" | sed 's/^/  /'; fi
if echo "$lintian_out" | grep -q '^E: '; then
    fail "lintian reports errors"
else
    pass "lintian: no errors ($(echo "$lintian_out" | grep -c '^W: ' || true) warnings)"
fi

if dpkg -s "$name" >/dev/null 2>&1; then
    echo "== purging the fivetran-notify installed before this check"
    apt-get purge -y -qq "$name" >/dev/null
fi

echo "== apt-get install ./$(basename "$deb")"
install_log=$(mktemp)
apt-get install -y -q "$deb" >"$install_log" 2>&1 || {
    cat "$install_log" >&2
    echo "check-deb.sh: apt-get install failed" >&2
    exit 1
}
sed -n '/the service is enabled but not started/,/keygen --show/p' "$install_log" | sed 's/^/  | /'
check "install says the service waits for a destination" grep -q "enabled but not started" "$install_log"

echo "== what an administrator finds"
installed_version=$(/usr/bin/$name --version)
if [ "$installed_version" = "$version" ]; then pass "fivetran-notify --version: $installed_version"; else
    fail "fivetran-notify --version says $installed_version, the package $version"
fi
manpage=$(man -w $name 2>/dev/null || true)
if [ "$manpage" = /usr/share/man/man1/$name.1.gz ]; then pass "man -w $name: $manpage"; else
    fail "man -w $name: '$manpage'"
fi
for file in /usr/share/bash-completion/completions/$name /usr/share/zsh/vendor-completions/_$name \
    /usr/share/fish/vendor_completions.d/$name.fish /usr/share/doc/$name/copyright \
    /usr/share/doc/$name/changelog.gz /usr/share/doc/$name/README.md.gz $unit; do
    check "$file" test -s "$file"
done
passwd=$(getent passwd $name || true)
if [ -n "$passwd" ]; then
    IFS=: read -r _ _ uid _ _ home shell <<<"$passwd"
    if [ "$uid" -lt 1000 ] && [ "$home" = /var/lib/$name ] && [ "$shell" = /usr/sbin/nologin ]; then
        pass "system user $name (uid $uid, home $home, shell $shell)"
    else
        fail "user $name: $passwd"
    fi
    check "group $name" getent group $name
else
    fail "no user $name"
fi
for file in /etc/$name/signing.key /etc/$name/config.toml; do
    got=$(owner_mode "$file")
    if [ "$got" = "$name:$name 600" ]; then pass "$file $got"; else fail "$file is $got, not $name:$name 600"; fi
done
got=$(owner_mode /etc/$name/env)
if [ "$got" = "root:root 600" ]; then pass "/etc/$name/env $got"; else fail "/etc/$name/env is $got"; fi
got=$(owner_mode /etc/$name)
if [ "$got" = "$name:$name 700" ]; then pass "/etc/$name $got"; else fail "/etc/$name is $got"; fi
check "the key is 64 hex characters" grep -qxE '[0-9a-f]{64}' /etc/$name/signing.key
check "config.toml and env are conffiles" \
    sh -c "dpkg-query -W -f='\${Conffiles}' $name | grep -q /etc/$name/config.toml && dpkg-query -W -f='\${Conffiles}' $name | grep -q /etc/$name/env"
check "the service is enabled" test -L /etc/systemd/system/multi-user.target.wants/$name.service

echo "== the unit"
if systemd-analyze verify "$unit" >/tmp/verify.$$ 2>&1; then pass "systemd-analyze verify"; else
    sed 's/^/  /' /tmp/verify.$$
    fail "systemd-analyze verify"
fi
rm -f /tmp/verify.$$
exposure=$(systemd-analyze security --offline=true "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: //p')
case "$exposure" in
    *OK* | *SAFE* | *PERFECT*) pass "systemd-analyze security: $exposure" ;;
    *) fail "systemd-analyze security: '$exposure' (must be OK or better)" ;;
esac

echo "== the unit's ExecStart, as the service user, with --dry-run: /healthz"
# No systemd as PID 1 here: run the command the unit runs, as its user, with its environment, without
# privileges (no new privileges, no capabilities), as systemd would.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
service_user=$(sed -n 's/^User=//p' "$unit")
mapfile -t unit_env < <(sed -n 's/^Environment=//p' "$unit")
log=$(mktemp)
# shellcheck disable=SC2086 # the command line is split into words as systemd splits it
setpriv --reuid="$service_user" --regid="$service_user" --init-groups --no-new-privs --bounding-set=-all \
    --inh-caps=-all env -i PATH=/usr/bin:/bin HOME=/var/lib/$name "${unit_env[@]}" \
    $exec_start --dry-run --host 127.0.0.1 --port 0 >/dev/null 2>"$log" &
pid=$!
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$log" | head -1)
    [ -n "$port" ] || ! kill -0 $pid 2>/dev/null && break
    sleep 0.1
done
if [ -n "$port" ] && health=$(curl -fsS "http://127.0.0.1:$port/healthz"); then
    pass "/healthz answers 200 as $service_user: $(echo "$health" | tr -d '\n' | cut -c1-100)"
else
    sed 's/^/  | /' "$log"
    fail "$exec_start --dry-run did not answer /healthz"
fi
kill -TERM $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
check "its state is the service user's" test "$(stat -c %U /var/lib/$name/fivetran-notify.sqlite)" = "$service_user"
rm -f "$log"

echo "== upgrade in place: key, config and state are kept"
key_before=$(sha256sum /etc/$name/signing.key)
echo "# kept across upgrades" >>/etc/$name/config.toml
echo "marker" >/var/lib/$name/upgrade-marker
apt-get install -y -q --reinstall -o Dpkg::Options::=--force-confold "$deb" >"$install_log" 2>&1 || {
    cat "$install_log" >&2
    fail "reinstalling the package"
}
check "the signing key is the same" test "$(sha256sum /etc/$name/signing.key)" = "$key_before"
check "the edited config.toml is kept" grep -q "kept across upgrades" /etc/$name/config.toml
check "config.toml is still $name:$name 600" test "$(owner_mode /etc/$name/config.toml)" = "$name:$name 600"
check "the state is kept" test -f /var/lib/$name/upgrade-marker
rm -f "$install_log"

echo "== apt-get purge"
apt-get purge -y -q $name >/dev/null 2>&1 || fail "apt-get purge"
check "dpkg no longer knows the package" sh -c "! dpkg -s $name"
absent /usr/bin/$name $unit /etc/systemd/system/multi-user.target.wants/$name.service \
    /etc/$name /var/lib/$name /usr/share/doc/$name /usr/share/man/man1/$name.1.gz \
    /usr/share/bash-completion/completions/$name /usr/share/zsh/vendor-completions/_$name \
    /usr/share/fish/vendor_completions.d/$name.fish
check "no user $name" sh -c "! getent passwd $name"
check "no group $name" sh -c "! getent group $name"
leftover=$(find /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked \
    /etc/systemd/system -name "*$name*" 2>/dev/null || true)
if [ -z "$leftover" ]; then pass "no systemd state left for it"; else fail "left in systemd's state: $leftover"; fi

if [ "$failures" -gt 0 ]; then
    echo "check-deb.sh: $failures check(s) failed" >&2
    exit 1
fi
echo "check-deb.sh: the package installs, runs as its user, upgrades and purges cleanly."
