#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A real capture through a socat pty pair (the serial cable) into a running cairnd:
# `cairnctl status --json` counts equal `cairnctl scan --json` of the same file.
source "$(dirname "$0")/lib.sh"
need socat
need python3
need_data u-blox-f9-base-mixed-nmea-ubx-rtcm3.log
mixed=$data/u-blox-f9-base-mixed-nmea-ubx-rtcm3.log
size=$(stat -c %s "$mixed")

start_cable
start_cairnd --demo --device "$work/ttyHOST" --settings 115200:8:n:1
wait_for 10 bash -c "'$cairnctl' --state-dir '$work/state' status --json | grep -q '\"state\": \"connected\"'" \
    || fail "receiver never connected"

"$cairnctl" replay "$mixed" --to "$work/ttyF9P" --speed 0 || fail "replay failed"
wait_for 20 bash -c "[ \$('$cairnctl' --state-dir '$work/state' status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"bytes_in\"])') -ge $size ]" \
    || fail "cairnd did not receive all $size bytes: $(status_json | grep bytes_in)"

status_json > "$work/status.json"
"$cairnctl" scan --json "$mixed" > "$work/scan.json"
python3 - "$work/status.json" "$work/scan.json" <<'PY' || fail "status and scan differ"
import json, sys
st = json.load(open(sys.argv[1])); sc = json.load(open(sys.argv[2]))
c = st["counters"]
ok = True
for key in ("rtcm3", "ubx", "nmea"):
    if c[key] != sc[key]:
        print(f"{key}: status {c[key]} != scan {sc[key]}"); ok = False
for key in ("bad_checksum", "unframed_bytes"):
    if c[key] != sc[key]:
        print(f"{key}: status {c[key]} != scan {sc[key]}"); ok = False
if st["bytes_in"] != sc["bytes"]:
    print("bytes", st["bytes_in"], sc["bytes"]); ok = False
if st["station"]["ecef"] != sc["station"]["ecef"]:
    print("station", st["station"], sc["station"]); ok = False
assert c["rtcm3"]["frames"] == 1106 and c["nmea"]["frames"] == 4661
sys.exit(0 if ok else 1)
PY
[ "$(json "$work/status.json" 'j["receiver"]["state"]')" = connected ] || fail "not connected"
echo "replay_pty: ok"
