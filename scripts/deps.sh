#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the Debian 12 packages a target needs, only those missing; runs apt-get
# update only when something must be installed. Usage: scripts/deps.sh build|test|fuzz|bench
set -eu

build_pkgs="meson ninja-build g++ pkg-config libboost-dev libssl-dev libserialport-dev
 libsqlite3-dev libfmt-dev doctest-dev libtomlplusplus-dev nlohmann-json3-dev
 libexpected-dev libsystemd-dev"
test_pkgs="socat systemd sqlite3 clang-14 libclang-rt-14-dev llvm-14 procps curl python3
 openssl rtklib gpsd gpsd-clients sslscan"
fuzz_pkgs="clang-14 libclang-rt-14-dev llvm-14"
bench_pkgs="rtklib procps"

want="$build_pkgs"
for what in "$@"; do
    case "$what" in
    build) ;;
    test) want="$want $test_pkgs" ;;
    fuzz) want="$want $fuzz_pkgs" ;;
    bench) want="$want $bench_pkgs" ;;
    *) echo "deps.sh: unknown target '$what'" >&2; exit 2 ;;
    esac
done

missing=""
for p in $want; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
    "install ok installed") ;;
    *) missing="$missing $p" ;;
    esac
done

[ -z "$missing" ] && exit 0

echo "deps.sh: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
