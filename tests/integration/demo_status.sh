#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `cairnd --demo` with the built-in simulator: the control socket is owner-only, status
# shows live counters that grow, SIGHUP keeps it running, SIGTERM stops it cleanly.
source "$(dirname "$0")/lib.sh"
need python3

# sd_notify: a datagram socket stands in for systemd; READY=1 and WATCHDOG=1 must arrive.
notify_log=$work/notify.log
if command -v socat >/dev/null; then
    socat -u UNIX-RECV:"$work/notify.sock" OPEN:"$notify_log",creat,append 2>/dev/null &
    pids+=($!)
    wait_for 5 test -S "$work/notify.sock" || fail "no notify socket"
    export NOTIFY_SOCKET=$work/notify.sock WATCHDOG_USEC=1000000
fi
start_cairnd --demo --speed 10
unset NOTIFY_SOCKET WATCHDOG_USEC
mode=$(stat -c %a "$work/state/cairnd.sock")
[ "$mode" = 600 ] || fail "control socket mode $mode, expected 600"

wait_for 10 bash -c "[ \$('$cairnctl' --state-dir '$work/state' status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"counters\"][\"rtcm3\"][\"frames\"])') -gt 0 ]" \
    || fail "no RTCM3 frames from the simulator"
status_json > "$work/s1.json"
[ "$(json "$work/s1.json" 'j["receiver"]["state"]')" = connected ] || fail "state not connected"
[ "$(json "$work/s1.json" 'j["receiver"]["source"]')" = simulator ] || fail "source not simulator"
[ "$(json "$work/s1.json" 'j["counters"]["bad_checksum"]')" = 0 ] || fail "simulator made bad checksums"
[ "$(json "$work/s1.json" 'j["counters"]["unframed_bytes"]')" = 0 ] || fail "simulator made unframed bytes"
for t in 1005 1077 1087 1097 1127 1230; do
    [ "$(json "$work/s1.json" "j['counters']['rtcm3']['types'].get('$t', 0) > 0")" = True ] || fail "no RTCM3 $t"
done
[ "$(json "$work/s1.json" 'j["counters"]["ubx"]["messages"]["NAV-PVT"] > 0')" = True ] || fail "no NAV-PVT"
sleep 1.5
status_json > "$work/s2.json"
a=$(json "$work/s1.json" 'j["bytes_in"]'); b=$(json "$work/s2.json" 'j["bytes_in"]')
[ "$b" -gt "$a" ] || fail "counters did not grow ($a -> $b)"
[ "$(json "$work/s2.json" 'j["bytes_per_second"] > 0')" = True ] || fail "bytes_per_second is 0"

if [ -n "${notify_log:-}" ] && command -v socat >/dev/null; then
    wait_for 5 grep -q "READY=1" "$notify_log" || fail "no READY=1 sent to NOTIFY_SOCKET"
    wait_for 5 grep -q "WATCHDOG=1" "$notify_log" || fail "no WATCHDOG=1 sent (WatchdogSec)"
fi

# Text output too.
"$cairnctl" --state-dir "$work/state" status | grep -q "receiver: connected" || fail "text status"

# Protocol errors get an error reply, not a crash.
reply=$(printf '{"v":1,"cmd":"reboot"}\nnot json\n' | socat -t 2 - UNIX-CONNECT:"$work/state/cairnd.sock" || true)
echo "$reply" | grep -q '"ok":false' || fail "no error reply: $reply"
kill -0 "$cairnd_pid" || fail "cairnd died on a bad request"

# SIGHUP in demo mode: logged, still running.
kill -HUP "$cairnd_pid"; sleep 0.3
kill -0 "$cairnd_pid" || fail "cairnd died on SIGHUP"
status_json > /dev/null || fail "no status after SIGHUP"

# SIGTERM: clean exit 0, socket removed.
kill -TERM "$cairnd_pid"
set +e; wait "$cairnd_pid"; rc=$?; set -e
[ $rc -eq 0 ] || fail "cairnd exited $rc on SIGTERM"
[ ! -e "$work/state/cairnd.sock" ] || fail "socket left behind"
grep -q '^<5>SIGTERM received' "$work/cairnd.log" || fail "no <5> level-prefixed stop line"
[ -z "${notify_log:-}" ] || grep -q "STOPPING=1" "$notify_log" || fail "no STOPPING=1 sent"
echo "demo_status: ok"
