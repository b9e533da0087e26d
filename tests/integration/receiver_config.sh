#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Receiver management end to end over a socat pty pair (the serial cable), with f9p_sim
# as the ZED-F9P: an unconfigured receiver sends no RTCM; `cairnctl receiver configure`
# through cairnd makes it a base (the RTCM set appears, the 1005 carries the configured
# position to 1 mm), MSM4 replaces MSM7 when configured directly on the port, a survey-in
# completes and cairnd switches the receiver to base-fixed at the mean (audited), and a
# refused key and a non-F9P receiver fail with reasons that name them.
source "$(dirname "$0")/lib.sh"
need socat
need python3
sim=$build/tests/tools/f9p_sim
[ -x "$sim" ] || skip "f9p_sim is not built"

lat=47.0712345678 lon=15.4398765432 height=412.3456
cat > "$work/cairn.toml" <<TOML
[receiver]
survey_min_duration = "3s"
survey_accuracy = 0.3
[station]
position = "$lat $lon $height"
TOML
sed 's/^\[receiver\]$/[receiver]\nrtcm = "msm4"/' "$work/cairn.toml" > "$work/msm4.toml"

# rtcm_types: the RTCM3 types cairnd counted since it started, space separated.
# new_cable: a fresh pty pair (the old one's receiver end is still held by an f9p_sim).
new_cable() {
    kill "$socat_pid" 2>/dev/null || true
    wait "$socat_pid" 2>/dev/null || true
    rm -f "$work/ttyF9P" "$work/ttyHOST"
    start_cable
}
rtcm_types() { status_json | json - '" ".join(sorted(j["counters"]["rtcm3"]["types"]))'; }

start_cable
"$sim" --device "$work/ttyF9P" --factory --svin-fast --log "$work/sim.log" &
pids+=($!)
# A runtime.json cairnd did not write (here: no coordinates) is ignored with a warning.
mkdir -p "$work/state" && chmod 700 "$work/state"
echo '{"surveyed_position_ecef": {}}' > "$work/state/runtime.json"
start_cairnd --demo --config "$work/cairn.toml" --device "$work/ttyHOST" --settings 115200:8:n:1
grep -q "ignoring .*runtime.json" "$work/cairnd.log" || fail "a bad runtime.json was not reported"
rm "$work/state/runtime.json"
wait_for 10 bash -c "'$cairnctl' --state-dir '$work/state' status --json | grep -q '\"state\": \"connected\"'" \
    || fail "receiver never connected"
sleep 2
[ -z "$(rtcm_types)" ] || fail "a factory receiver sent RTCM: $(rtcm_types)"

# Detection through cairnd (it owns the port).
out=$("$cairnctl" --state-dir "$work/state" receiver detect) || fail "detect failed: $out"
grep -q "receiver: ZED-F9P, firmware HPG 1.32" <<<"$out" || fail "detect output: $out"

# The same port under another name (a symlink, like /dev/serial/by-id/...) goes through
# cairnd too, never around it.
ln -s "$(readlink -f "$work/ttyHOST")" "$work/by-id-f9p"
out=$("$cairnctl" --state-dir "$work/state" receiver detect --device "$work/by-id-f9p") \
    || fail "detect by another name failed: $out"
grep -q "detect: ok" <<<"$out" || fail "detect by another name: $out"
grep -c "receiver: detect requested" "$work/cairnd.log" | grep -qx 2 \
    || fail "the second detect did not go through cairnd"

# base-fixed through cairnd: every key acknowledged and read back.
"$cairnctl" --state-dir "$work/state" receiver configure --profile base-fixed --json \
    > "$work/fixed.json" || fail "configure base-fixed failed: $(cat "$work/fixed.json")"
[ "$(json "$work/fixed.json" 'j["ok"]')" = True ] || fail "not ok: $(cat "$work/fixed.json")"
json "$work/fixed.json" '"\n".join(j["steps"])' | grep -q "VALGET RAM 46 keys: match" \
    || fail "no read-back: $(cat "$work/fixed.json")"
wait_for 10 bash -c "[ \$('$cairnctl' --state-dir '$work/state' status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"counters\"][\"rtcm3\"][\"types\"].get(\"1005\", 0))') -ge 1 ]" \
    || fail "no 1005 after base-fixed: $(rtcm_types)"
sleep 2
types=$(rtcm_types)
[ "$types" = "1005 1077 1087 1097 1127 1230" ] || fail "RTCM set after base-fixed: $types"

# The receiver's 1005 carries the configured position (WGS84 LLH -> ECEF) to 1 mm.
status_json > "$work/status.json"
python3 - "$work/status.json" "$lat" "$lon" "$height" <<'PY' || fail "1005 position differs"
import json, math, sys
st = json.load(open(sys.argv[1]))
lat, lon, h = (math.radians(float(sys.argv[2])), math.radians(float(sys.argv[3])), float(sys.argv[4]))
a, f = 6378137.0, 1 / 298.257223563
e2 = f * (2 - f)
n = a / math.sqrt(1 - e2 * math.sin(lat) ** 2)
want = ((n + h) * math.cos(lat) * math.cos(lon), (n + h) * math.cos(lat) * math.sin(lon),
        (n * (1 - e2) + h) * math.sin(lat))
got = st["station"]["ecef"]
d = math.dist(want, (got["x"], got["y"], got["z"]))
print(f"1005 is {d * 1000:.2f} mm from the configured position")
sys.exit(0 if d < 0.001 else 1)
PY

# A survey-in through cairnd: it completes, and cairnd switches to base-fixed at the mean.
"$cairnctl" --state-dir "$work/state" receiver configure --profile survey-in >/dev/null \
    || fail "configure survey-in failed"
wait_for 30 bash -c "'$cairnctl' --state-dir '$work/state' status --json | python3 -c 'import json,sys; m=json.load(sys.stdin)[\"receiver_management\"]; sys.exit(0 if m[\"active_profile\"] == \"base-fixed\" and m[\"last\"][\"what\"] == \"base-fixed\" and \"surveyed_position_ecef\" in m else 1)'" \
    || fail "survey-in did not complete and switch: $(status_json | json - 'j["receiver_management"]')"
status_json > "$work/after.json"
[ "$(json "$work/after.json" 'j["receiver_monitor"]["survey_in"]["valid"]')" = True ] \
    || fail "survey-in not valid: $(json "$work/after.json" 'j["receiver_monitor"]["survey_in"]')"
[ -f "$work/state/runtime.json" ] || fail "surveyed position not recorded"
grep -q '"surveyed_position_ecef"' "$work/state/runtime.json" || fail "runtime.json: $(cat "$work/state/runtime.json")"
[ "$(stat -c %a "$work/state/runtime.json")" = 600 ] || fail "runtime.json is not 0600"

# Every job and the survey completion are in the audit log, with who asked.
"$cairnctl" --state-dir "$work/state" audit tail -n 20 > "$work/audit.txt" || fail "audit tail failed"
for ev in receiver.detect receiver.configure receiver.survey_complete; do
    grep -q "$ev" "$work/audit.txt" || fail "no $ev in the audit log: $(cat "$work/audit.txt")"
done
grep -q "cairnctl (uid $(id -u))" "$work/audit.txt" || fail "audit lacks the requesting uid"
grep -q "receiver.configure.*requested" "$work/audit.txt" || fail "no 'requested' row before the change"
grep -q "survey-in complete" "$work/audit.txt" || fail "the automatic switch is not audited"

# Directly on the port (cairnd stopped): MSM4 replaces MSM7, saved to BBR+Flash.
kill "$cairnd_pid"; wait "$cairnd_pid" 2>/dev/null || true
out=$("$cairnctl" --state-dir "$work/state" receiver configure --profile base-fixed --save \
      --config "$work/msm4.toml" --device "$work/ttyHOST" --settings 115200:8:n:1) \
    || fail "direct configure failed: $out"
grep -q "VALSET BBR+Flash 46 keys: ACK" <<<"$out" || fail "not saved: $out"
"$cairnctl" --state-dir "$work/state" audit tail -n 3 | grep -q "cairnctl (direct)" \
    || fail "the direct configuration is not audited"
start_cairnd --demo --config "$work/cairn.toml" --device "$work/ttyHOST" --settings 115200:8:n:1
# 1005 and 1230 go out every 10 s: wait for the whole set.
wait_for 25 bash -c "[ \"\$('$cairnctl' --state-dir '$work/state' status --json | python3 -c 'import json,sys; print(\" \".join(sorted(json.load(sys.stdin)[\"counters\"][\"rtcm3\"][\"types\"])))')\" = '1005 1074 1084 1094 1124 1230' ]" \
    || fail "no MSM4 set after the direct configuration: $(rtcm_types)"
types=$(rtcm_types)
[ "$types" = "1005 1074 1084 1094 1124 1230" ] || fail "RTCM set after MSM4: $types"
kill "$cairnd_pid"; wait "$cairnd_pid" 2>/dev/null || true

# A firmware that does not know a key: the NAK names it, and nothing is half-applied.
new_cable
"$sim" --device "$work/ttyF9P" --factory --firmware "HPG 1.13" --refuse CFG-TMODE-MODE \
    --log "$work/sim-old.log" &
pids+=($!)
out=$("$cairnctl" --state-dir "$work/state" receiver configure --profile base-fixed \
      --config "$work/cairn.toml" --device "$work/ttyHOST" 2>&1) && fail "a refused key passed: $out"
grep -q "CFG-TMODE-MODE" <<<"$out" && grep -q "HPG 1.13" <<<"$out" \
    || fail "the reason does not name the key and firmware: $out"

# A receiver that is not an F9P is reported, not configured.
new_cable
"$sim" --device "$work/ttyF9P" --model NEO-M8P --firmware "HPG 1.40" --log "$work/sim-m8.log" &
pids+=($!)
out=$("$cairnctl" --state-dir "$work/state" receiver configure --profile survey-in \
      --config "$work/cairn.toml" --device "$work/ttyHOST" 2>&1) && fail "an M8P was configured: $out"
grep -q "unsupported receiver: MOD=NEO-M8P" <<<"$out" || fail "unsupported receiver not reported: $out"
grep -q "CFG-VALSET" "$work/sim-m8.log" && fail "cairnctl sent CFG-VALSET to an M8P"
echo "receiver_config: ok"
