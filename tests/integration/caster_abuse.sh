#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs caster_abuse.py against a demo cairnd, then checks the daemon is still up.
source "$(dirname "$0")/lib.sh"
need python3
# Speed 5: five simulated epochs a second, so a client that never reads fills up soon.
start_cairnd --demo --speed 5
wait_for 10 test -f "$work/state/demo.json" || fail "no demo.json"
CAIRNCTL=$cairnctl timeout 150 python3 "$src/tests/integration/caster_abuse.py" "$work/state" || fail "abuse checks failed"
kill -0 "$cairnd_pid" || fail "cairnd died"
status_json > /dev/null || fail "cairnd does not answer after the abuse"
"$cairnctl" --state-dir "$work/state" audit tail -n 5000 | awk '{print $4, $9}' | sort | uniq -c | sort -rn | head -8
echo "caster_abuse: ok"
