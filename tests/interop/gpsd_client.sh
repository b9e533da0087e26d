#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# gpsd 3.22 as an NTRIP v1 client: it fetches the sourcetable first, needs
# authentication "B" in the STR line to send credentials, accepts only "ICY 200 OK", and
# must receive the RTCM3 stream (seen through gpspipe -R as raw RTCM3 frames).
source "$(dirname "$0")/../integration/lib.sh"
need gpsd
need gpspipe
need socat
need python3
port=$((23000 + RANDOM % 2000))
gport=$((port + 10))
start_cairnd --demo --speed 2 --caster-port "$port"
wait_for 10 test -f "$work/state/demo.json" || fail "no demo.json"
d=$work/state/demo.json
ru=$(json "$d" 'j["rover"]["user"]'); rp=$(json "$d" 'j["rover"]["password"]')

gpsd -N -n -S "$gport" -F "$work/gpsd.sock" "ntrip://$ru:$rp@127.0.0.1:$port/DEMO" >"$work/gpsd.log" 2>&1 &
pids+=($!)
wait_for 10 bash -c "echo > /dev/tcp/127.0.0.1/$gport" 2>/dev/null || fail "gpsd did not start: $(tail -5 "$work/gpsd.log")"
timeout 12 gpspipe -R 127.0.0.1:"$gport" > "$work/gpspipe.bin" 2>/dev/null || true
python3 "$src/tests/interop/rtcm_frames.py" "$work/gpspipe.bin" "$work/gpsd.rtcm3"
n=$(stat -c %s "$work/gpsd.rtcm3")
[ "$n" -gt 1000 ] || fail "gpsd passed on only $n bytes of RTCM3 (log: $(tail -5 "$work/gpsd.log"))"
grep -q "session.open" <("$cairnctl" --state-dir "$work/state" audit tail -n 50) || fail "no session.open audited"
"$cairnctl" --state-dir "$work/state" audit tail -n 50 | grep -q "access.sourcetable" || fail "gpsd did not fetch the sourcetable first"
echo "gpsd_client: $n bytes of RTCM3 through gpsd"
