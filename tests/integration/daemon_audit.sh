#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# cairnd and the audit log: start, receiver and stop events are recorded and verify;
# a token revoked with cairnctl reaches the running daemon within a second or two; a
# production start without an initialised audit log is refused.
source "$(dirname "$0")/lib.sh"
need python3
ctl() { "$cairnctl" --state-dir "$work/state" "$@"; }

# Production mode refuses to run without an audit trail.
mkdir -p "$work/prod" && chmod 700 "$work/prod"
printf '[receiver]\ndevice = "/dev/null"\n[daemon]\nstate_dir = "%s"\n' "$work/prod" > "$work/prod.toml"
set +e
"$cairnd" --config "$work/prod.toml" --allow-root > "$work/prod.log" 2>&1; rc=$?
set -e
[ $rc -eq 78 ] || fail "start without an audit log exited $rc, expected 78: $(cat "$work/prod.log")"
grep -q "cairnctl audit init" "$work/prod.log" || fail "no hint to run audit init: $(cat "$work/prod.log")"

start_cairnd --demo --speed 5
grep -q "initial key" "$work/cairnd.log" || fail "the demo did not initialise the audit log"
# A second cairnd on the same state directory is refused and leaves the first untouched.
set +e
timeout 10 "$cairnd" --state-dir "$work/state" --demo --caster-port 23998 > "$work/second.log" 2>&1; rc=$?
set -e
[ $rc -eq 78 ] || fail "a second cairnd on the same state directory exited $rc, expected 78"
grep -q "another cairnd (pid $cairnd_pid) is running with state directory" "$work/second.log" \
    || fail "the refusal does not name the running cairnd: $(cat "$work/second.log")"
status_json > /dev/null || fail "the first cairnd's control socket is gone after the refused start"
ctl token create --mount DEMO --scope read --label watch --json > "$work/tok.json"
id=$(json "$work/tok.json" 'j["id"]')
secret=$(json "$work/tok.json" 'j["secret"]')
plain=$(json "$work/state/demo.json" 'j["caster_plain"]')
# A rover streaming with the token: revocation must close its live session at once.
wait_for 3 bash -c "'$cairnctl' --state-dir '$work/state' status --json | grep -q '\"tokens\": 4'" || true
curl -sN --http0.9 -u "$id:$secret" "http://$plain/DEMO" -o "$work/rover.bin" --max-time 30 &
rover_pid=$!
pids+=($rover_pid)
wait_for 5 bash -c "[ \$(stat -c %s '$work/rover.bin' 2>/dev/null || echo 0) -gt 100 ]" || fail "the new token's rover got no data"
start=$(date +%s%N)
ctl token revoke "$id" > /dev/null
wait_for 3 grep -q "token $id revoked" "$work/cairnd.log" || fail "cairnd did not see the revocation"
wait_for 3 bash -c "! kill -0 $rover_pid 2>/dev/null" || fail "the revoked token's session is still open"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "revocation closed the live session after ${ms} ms"
[ "$ms" -le 2500 ] || fail "revocation took ${ms} ms"
[ "$(status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["auth"]["revoked_tokens"])')" -ge 1 ] \
    || fail "status does not count the revoked token"

wait_for 5 bash -c "'$cairnctl' --state-dir '$work/state' audit tail -n 50 | grep -q receiver.connect" \
    || fail "no receiver.connect in the audit log"
kill -TERM "$cairnd_pid"
set +e; wait "$cairnd_pid"; rc=$?; set -e
[ $rc -eq 0 ] || fail "cairnd exited $rc"
ctl audit tail -n 50 > "$work/tail.txt"
grep -q "outcome=revoked" "$work/tail.txt" || fail "the closed session is not audited as revoked"
for ev in system.start receiver.connect token.create token.revoke system.stop; do
    grep -q "$ev" "$work/tail.txt" || { cat "$work/tail.txt" | cut -c1-120; fail "no $ev in the audit log"; }
done
key=$(grep -Eo 'initial key [0-9a-fA-F]+' "$work/cairnd.log" | awk '{print $3}')
ctl audit verify --key "$key" || fail "the log does not verify with the demo's key"
# The secret of a token created while cairnd ran never reaches cairnd's log.
! grep -qF "$secret" "$work/cairnd.log" || fail "a token secret reached cairnd's log"
echo "daemon_audit: ok"
