#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `cairnctl scan` on real captures: exact counts in JSON and text, and exit code 2 for a
# missing or unreadable file.
source "$(dirname "$0")/lib.sh"
need python3
need_data u-blox-f9-base-mixed-nmea-ubx-rtcm3.log

mixed=$data/u-blox-f9-base-mixed-nmea-ubx-rtcm3.log
"$cairnctl" scan --json "$mixed" > "$work/scan.json" || fail "scan exited $?"
check() { [ "$(json "$work/scan.json" "$1")" = "$2" ] || fail "$1 is $(json "$work/scan.json" "$1"), expected $2"; }
check 'j["rtcm3"]["frames"]' 1106
for t in 1005 4072 1077 1087 1097 1127 1230; do check "j['rtcm3']['types']['$t']" 158; done
check 'len(j["rtcm3"]["types"])' 7
check 'j["ubx"]["frames"]' 174
check 'j["ubx"]["messages"]["NAV-PVT"]' 158
check 'j["ubx"]["messages"]["NAV-SVIN"]' 16
check 'j["nmea"]["frames"]' 4661
check 'j["bad_checksum"]' 0
check 'j["unframed_bytes"]' 0
check 'j["truncated_tail_bytes"]' 0
check 'j["station"]["ecef"]["x"]' 4444030.8028
check 'j["station"]["ecef"]["y"]' 3085671.2349
check 'j["station"]["ecef"]["z"]' 3366658.256
check 'j["survey_in"]["valid"]' True

# Human output names the same facts.
"$cairnctl" scan "$mixed" > "$work/scan.txt"
grep -q "rtcm3 1106, ubx 174, nmea 4661" "$work/scan.txt" || fail "text summary: $(cat "$work/scan.txt")"
grep -q "ECEF X 4444030.8028 Y 3085671.2349 Z 3366658.2560" "$work/scan.txt" || fail "no station line"

# MON-VER from the u-center session gives the receiver model and firmware.
if [ -f "$data/zed-f9p-ucenter-session.ubx" ]; then
    "$cairnctl" scan --json "$data/zed-f9p-ucenter-session.ubx" > "$work/uc.json"
    [ "$(json "$work/uc.json" 'j["receiver"]["model"]')" = ZED-F9P ] || fail "MON-VER model"
    [ "$(json "$work/uc.json" 'j["receiver"]["firmware"]')" = "HPG 1.32" ] || fail "MON-VER firmware"
fi

# A truncated tail is reported, not hidden.
head -c 453000 "$mixed" > "$work/cut.log"
"$cairnctl" scan --json "$work/cut.log" > "$work/cut.json"
[ "$(json "$work/cut.json" 'j["truncated_tail_bytes"]')" -gt 0 ] || fail "truncated tail not reported"

# Missing and unreadable files: a clear message and exit code 2.
set +e
"$cairnctl" scan "$work/nope.log" 2> "$work/err.txt"; rc=$?
set -e
[ $rc -eq 2 ] || fail "missing file exited $rc, expected 2"
grep -q "cannot open" "$work/err.txt" || fail "no clear message: $(cat "$work/err.txt")"
set +e
"$cairnctl" scan "$work" 2> "$work/err2.txt"; rc=$?
set -e
[ $rc -eq 2 ] || fail "directory exited $rc, expected 2"
echo "scan_cli: ok"
