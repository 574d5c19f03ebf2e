#!/usr/bin/env bash
# Runs every snapshare test: unit tests, then integration tests that start the
# packaged server on 127.0.0.1 and drive it with real iSCSI clients.
# Installs the clients first if they are missing (Debian packages). The
# package test installs and purges target/snapshare_*_all.deb, so run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libiscsi-bin qemu-utils qemu-block-extra qemu-system-x86 lintian systemd prometheus curl chromium chromium-driver)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing test clients: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

exec mvn -B verify "$@"
