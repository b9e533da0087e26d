#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The TLS listener as a scanner sees it (sslscan): only TLS 1.2 and 1.3, no
# renegotiation, not vulnerable to Heartbleed, and exactly the six ECDHE
# AEAD suites (AES-GCM and ChaCha20) with an ECDSA P-256 key; openssl s_client cannot
# connect with TLS 1.1 or a CBC suite. (Debian's sslscan cannot probe compression:
# tests/unit/ntrip/tls_test.cpp checks it is off.) The per-address connection limit is raised for
# the scan, which opens many connections.
source "$(dirname "$0")/lib.sh"
need sslscan
need openssl
printf '[limits]\nconnections_per_second = 10000\nconnection_burst = 10000\n' > "$work/cairn.toml"
start_cairnd --demo --config "$work/cairn.toml"
port=$(json "$work/state/demo.json" 'j["caster_tls"].rsplit(":", 1)[1]')

# sslscan dies of SIGPIPE when a probe's connection is closed under it: ignore the signal.
bash -c 'trap "" PIPE; exec sslscan --no-colour "127.0.0.1:$1"' _ "$port" > "$work/scan.txt" 2>&1 \
    || fail "sslscan failed: $(cat "$work/scan.txt")"
cat "$work/scan.txt"
for p in SSLv2 SSLv3 TLSv1.0 TLSv1.1; do
    grep -Eq "^$p +disabled" "$work/scan.txt" || fail "$p is not disabled"
done
for p in TLSv1.2 TLSv1.3; do
    grep -Eq "^$p +enabled" "$work/scan.txt" || fail "$p is not enabled"
done
grep -q "Session renegotiation not supported" "$work/scan.txt" || fail "renegotiation offered"
grep -q "not vulnerable to heartbleed" "$work/scan.txt" || fail "heartbleed check"
suites=$(grep -E "^(Preferred|Accepted) " "$work/scan.txt" | awk '{print $5}' | sort | tr '\n' ' ')
want="ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305 TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256 "
[ "$suites" = "$want" ] || fail "cipher suites: $suites"
grep -q "ECC Curve Name: *prime256v1" "$work/scan.txt" || fail "not an ECDSA P-256 key"

# A client that insists on TLS 1.1 or on a CBC suite gets no session.
for args in "-tls1_1" "-tls1_2 -cipher ECDHE-ECDSA-AES128-SHA"; do
    if echo | timeout 5 openssl s_client -connect "127.0.0.1:$port" $args >"$work/s_client.txt" 2>&1 \
        && grep -q "^ *Cipher is [A-Z]" "$work/s_client.txt"; then
        fail "openssl s_client $args connected: $(grep 'Cipher is' "$work/s_client.txt")"
    fi
done
echo "tls_scan: ok"
