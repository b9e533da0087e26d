#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Real NTRIP peers against cairnd: each client receives byte-identical RTCM3 (after
# de-chunking) in the published order. str2str (v1), curl (v2 plain and TLS with
# --cacert), str2str over TLS through a socat bridge; str2str as a v1 SOURCE (through
# the TLS bridge) and curl as a v2 POST source (TLS) into a mountpoint a curl client reads.
source "$(dirname "$0")/../integration/lib.sh"
need socat
need curl
need python3
need str2str
need_data u-blox-f9-base-mixed-nmea-ubx-rtcm3.log
mixed=$data/u-blox-f9-base-mixed-nmea-ubx-rtcm3.log
frames=$src/tests/interop/rtcm_frames.py
port=$((21000 + RANDOM % 2000))
tls=$((port + 1))
bridge=$((port + 2))

python3 "$frames" "$mixed" "$work/expected.rtcm3"
want=$(stat -c %s "$work/expected.rtcm3")

start_cable
start_cairnd --demo --device "$work/ttyHOST" --caster-port "$port"
wait_for 10 test -f "$work/state/demo.json" || fail "no demo.json"
d=$work/state/demo.json
ru=$(json "$d" 'j["rover"]["user"]'); rp=$(json "$d" 'j["rover"]["password"]')
su=$(json "$d" 'j["source"]["user"]'); sp=$(json "$d" 'j["source"]["password"]')
uu=$(json "$d" 'j["upload_reader"]["user"]'); up=$(json "$d" 'j["upload_reader"]["password"]')
ca=$(json "$d" 'j["ca_cert"]')
[ -f "$ca" ] || fail "ca_cert $ca missing"
wait_for 10 bash -c "'$cairnctl' --state-dir '$work/state' status --json | grep -q '\"state\": \"connected\"'" || fail "receiver never connected"

# TLS bridge for the peers that cannot speak TLS themselves.
socat TCP-LISTEN:"$bridge",bind=127.0.0.1,fork,reuseaddr OPENSSL:127.0.0.1:"$tls",cafile="$ca" 2>"$work/bridge.log" &
pids+=($!)
wait_for 5 bash -c "echo > /dev/tcp/127.0.0.1/$bridge" 2>/dev/null || true

# Clients.
str2str -in "ntrip://$ru:$rp@127.0.0.1:$port/DEMO" -out "file://$work/str2str.rtcm3" 2>"$work/str2str.log" &
pids+=($!)
str2str -in "ntrip://$ru:$rp@127.0.0.1:$bridge/DEMO" -out "file://$work/str2str_tls.rtcm3" 2>"$work/str2str_tls.log" &
pids+=($!)
curl -sN -u "$ru:$rp" -H 'Ntrip-Version: Ntrip/2.0' --raw "http://127.0.0.1:$port/DEMO" -o "$work/curl_v2.raw" --max-time 60 &
pids+=($!)
curl -sN -u "$ru:$rp" -H 'Ntrip-Version: Ntrip/2.0' --raw --cacert "$ca" "https://127.0.0.1:$tls/DEMO" -o "$work/curl_tls.raw" --max-time 60 &
pids+=($!)
wait_for 10 bash -c "[ \$('$cairnctl' --state-dir '$work/state' status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"caster\"][\"mountpoints\"][0][\"clients\"])') -ge 4 ]" \
    || fail "not all 4 clients subscribed: $(status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["caster"])')"

"$cairnctl" replay "$mixed" --to "$work/ttyF9P" --speed 0 || fail "replay"

check_file() { # NAME FILE [--dechunk]
    local f=$2
    if [ "${3:-}" = --dechunk ]; then
        # curl --raw -o keeps the chunked body as sent (no headers).
        python3 "$frames" "$2" "$2.rtcm3" --dechunk
        f=$2.rtcm3
    fi
    wait_for 20 bash -c "[ \$(stat -c %s '$f' 2>/dev/null || echo 0) -ge $want ]" || true
    cmp "$work/expected.rtcm3" "$f" || fail "$1 did not receive byte-identical RTCM3 ($(stat -c %s "$f" 2>/dev/null) of $want bytes)"
    echo "$1: $want bytes identical"
}
check_file "str2str v1" "$work/str2str.rtcm3"
check_file "str2str v1 over TLS (socat)" "$work/str2str_tls.rtcm3"
wait_for 20 bash -c "[ \$(stat -c %s '$work/curl_v2.raw' 2>/dev/null || echo 0) -ge $want ]" || true
wait_for 20 bash -c "[ \$(stat -c %s '$work/curl_tls.raw' 2>/dev/null || echo 0) -ge $want ]" || true
sleep 0.5
check_file "curl v2 chunked" "$work/curl_v2.raw" --dechunk
check_file "curl v2 TLS" "$work/curl_tls.raw" --dechunk

# Sources: str2str SOURCE (v1, via the TLS bridge) and curl POST (v2, TLS) into DEMO_UP.
# Split the frames at a frame boundary near the middle: a source's framer starts fresh.
cut=$(python3 - "$work/expected.rtcm3" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
i = 0
while i < len(d) // 2:
    i += (((d[i + 1] & 3) << 8) | d[i + 2]) + 6
print(i)
PY
)
head -c "$cut" "$work/expected.rtcm3" > "$work/up1.rtcm3"
curl -sN -u "$uu:$up" -H 'Ntrip-Version: Ntrip/2.0' --raw --cacert "$ca" "https://127.0.0.1:$tls/DEMO_UP" -o "$work/up_reader.raw" --max-time 60 &
pids+=($!)
wait_for 10 bash -c "'$cairnctl' --state-dir '$work/state' status --json | python3 -c 'import json,sys; m=[x for x in json.load(sys.stdin)[\"caster\"][\"mountpoints\"] if x[\"name\"]==\"DEMO_UP\"][0]; sys.exit(0 if m[\"clients\"]>=1 else 1)'" || fail "upload reader not subscribed"
# str2str as a v1 source: SOURCE carries only the password.
str2str -in "file://$work/up1.rtcm3" -out "ntrips://:$sp@127.0.0.1:$bridge/DEMO_UP" 2>"$work/str2str_src.log" &
src_pid=$!
pids+=($src_pid)
wait_for 20 bash -c "[ \$(stat -c %s '$work/up_reader.raw' 2>/dev/null || echo 0) -ge $cut ]" || fail "str2str source data did not reach the reader: $(tail -3 "$work/str2str_src.log")"
kill "$src_pid" 2>/dev/null || true
wait "$src_pid" 2>/dev/null || true
wait_for 5 bash -c "'$cairnctl' --state-dir '$work/state' status --json | python3 -c 'import json,sys; m=[x for x in json.load(sys.stdin)[\"caster\"][\"mountpoints\"] if x[\"name\"]==\"DEMO_UP\"][0]; sys.exit(1 if m[\"source_connected\"] else 0)'" || fail "the str2str source did not let go of DEMO_UP"
tail -c +"$((cut + 1))" "$work/expected.rtcm3" > "$work/up2.rtcm3"
curl -s -X POST -T "$work/up2.rtcm3" -u "$su:$sp" -H 'Ntrip-Version: Ntrip/2.0' -H 'Content-Type: gnss/data' \
    --cacert "$ca" "https://127.0.0.1:$tls/DEMO_UP" -o "$work/post_reply.txt" --max-time 30 || true
wait_for 20 bash -c "[ \$(stat -c %s '$work/up_reader.raw' 2>/dev/null || echo 0) -ge $want ]" || true
sleep 0.5
check_file "curl reader of str2str SOURCE + curl POST" "$work/up_reader.raw" --dechunk
echo "ntrip_peers: ok"
