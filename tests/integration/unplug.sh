#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Unplug and replug: stop the pty pair mid-stream, recreate it at the same path. cairnd
# marks the receiver disconnected, reopens it without a restart, and the counts resume.
source "$(dirname "$0")/lib.sh"
need socat
need python3
need_data u-blox-f9-base-mixed-nmea-ubx-rtcm3.log
mixed=$data/u-blox-f9-base-mixed-nmea-ubx-rtcm3.log

# Split the capture at the 1005 frame (an epoch start) nearest the middle, so both halves
# are whole frames and the totals must equal the whole file's.
split=$(python3 - "$mixed" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"\xd3\x00\x13\x3e\xd0", len(d) // 2)
print(i)
PY
)
[ "$split" -gt 0 ] || fail "no 1005 frame found to split at"
head -c "$split" "$mixed" > "$work/first.log"
tail -c +"$((split + 1))" "$mixed" > "$work/second.log"

state() { status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["receiver"]["state"])'; }
bytes_in() { status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_in"])'; }

start_cable
start_cairnd --demo --device "$work/ttyHOST"
wait_for 10 bash -c "'$cairnctl' --state-dir '$work/state' status --json | grep -q '\"state\": \"connected\"'" || fail "never connected"
"$cairnctl" replay "$work/first.log" --to "$work/ttyF9P" --speed 0
wait_for 10 bash -c "[ \$('$cairnctl' --state-dir '$work/state' status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"bytes_in\"])') -ge $split ]" || fail "first half not received"
before=$(status_json)

# Unplug.
kill "$socat_pid"; wait "$socat_pid" 2>/dev/null || true
wait_for 10 bash -c "'$cairnctl' --state-dir '$work/state' status --json | grep -q '\"state\": \"disconnected\"'" || fail "never went disconnected"
grep -qi "disconnected\|lost\|gone" "$work/cairnd.log" || fail "the disconnect was not logged"
kill -0 "$cairnd_pid" || fail "cairnd exited on unplug"

# Replug at the same path.
start_cable
wait_for 15 bash -c "'$cairnctl' --state-dir '$work/state' status --json | grep -q '\"state\": \"connected\"'" || fail "never reconnected"
"$cairnctl" replay "$work/second.log" --to "$work/ttyF9P" --speed 0
size=$(stat -c %s "$mixed")
wait_for 20 bash -c "[ \$('$cairnctl' --state-dir '$work/state' status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"bytes_in\"])') -ge $size ]" || fail "second half not received"

status_json > "$work/after.json"
echo "$before" > "$work/before.json"
python3 - "$work/before.json" "$work/after.json" <<'PY' || fail "counts did not resume correctly"
import json, sys
b = json.load(open(sys.argv[1])); a = json.load(open(sys.argv[2]))
assert a["receiver"]["reconnects"] >= 1, a["receiver"]
assert a["counters"]["rtcm3"]["frames"] == 1106, a["counters"]["rtcm3"]["frames"]
assert a["counters"]["nmea"]["frames"] == 4661, a["counters"]["nmea"]["frames"]
assert a["counters"]["ubx"]["frames"] == 174
assert a["counters"]["rtcm3"]["frames"] > b["counters"]["rtcm3"]["frames"] > 0
assert a["counters"]["unframed_bytes"] == 0
PY
echo "unplug: ok"
