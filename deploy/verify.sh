#!/usr/bin/env bash
# Checks the systemd unit (run by `make test`): it passes `systemd-analyze verify`, with the paths
# it names stood up in a scratch root (this machine has no /opt/supportmarket). Any line that
# names the unit (an unknown key, a value that does not parse) fails the check.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v systemd-analyze >/dev/null; then
    echo "deploy/verify: systemd-analyze is not installed; skipped"; exit 0
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/opt/supportmarket/bin"
install -m 755 /bin/true "$root/opt/supportmarket/bin/supportmarket"
sed "s|/opt/supportmarket|$root/opt/supportmarket|g" deploy/supportmarket.service >"$root/supportmarket.service"
output=$(systemd-analyze verify --man=no "$root/supportmarket.service" 2>&1 || true)
# Outside a booted system, systemd may complain about the manager, not the unit; only lines that
# name the unit count.
problems=$(grep -i "supportmarket.service" <<<"$output" || true)
if [ -n "$problems" ]; then
    echo "deploy/verify: systemd-analyze found problems:" >&2; echo "$problems" >&2; exit 1
fi
echo "deploy/verify: supportmarket.service passes systemd-analyze verify"
