#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The station stream as a rover receives it: with [station] arp = "cairn", station_id and
# antenna set, the DEMO mountpoint carries Cairn's 1005 (the configured position to
# 0.1 mm, the configured id) instead of the receiver's, a 1008/1033 with the antenna and
# receiver strings, and observations re-labelled with the same station id (RTKLIB drops
# observations whose id differs from the 1005's).
source "$(dirname "$0")/lib.sh"
need python3

cat > "$work/cairn.toml" <<'TOML'
[station]
station_id = 9
position_ecef = "4444030.8028 3085671.2349 3366658.2560"
antenna = "TRM59800.00     NONE,4711,2"
receiver_serial = "SN-42"
arp = "cairn"
interval = "2s"
TOML
start_cairnd --demo --config "$work/cairn.toml"
wait_for 10 test -f "$work/state/demo.json" || fail "no demo.json"

cat > "$work/check.py" <<'PY'
import json, os, sys
sys.path.insert(0, os.path.join(os.environ["CAIRN_SOURCE_ROOT"], "tests", "integration"))
from ntrip_rover import bits, read
demo = json.load(open(sys.argv[1]))
want_id = int(sys.argv[2])
frames, _ = read(demo["caster_plain"], "DEMO", demo["rover"]["user"], demo["rover"]["password"], 4.5)

def signed(v, n):
    return v - (1 << n) if v >> (n - 1) else v

types = {}
for p in frames:
    types.setdefault(bits(p, 0, 12), []).append(p)
print("types:", {t: len(v) for t, v in sorted(types.items())})
assert 1005 in types, "no 1005"
for p in types[1005]:
    assert bits(p, 12, 12) == want_id, "1005 station id"
    x = signed(bits(p, 34, 38), 38) / 1e4
    y = signed(bits(p, 74, 38), 38) / 1e4
    z = signed(bits(p, 114, 38), 38) / 1e4
    assert (x, y, z) == (4444030.8028, 3085671.2349, 3366658.2560), (x, y, z)
assert 1033 in types and 1008 in types, "no 1008/1033"
p = types[1033][0]
assert bits(p, 12, 12) == want_id
n = bits(p, 24, 8)
desc = bytes(bits(p, 32 + 8 * k, 8) for k in range(n)).decode()
assert desc == "TRM59800.00     NONE", desc
assert b"SN-42" in p, "receiver serial missing from 1033"
for t in (1077, 1087, 1097, 1127, 1230):
    assert t in types, f"no {t}"
    assert all(bits(p, 12, 12) == want_id for p in types[t]), f"{t} keeps the receiver's station id"
print("station stream ok")
PY
python3 "$work/check.py" "$work/state/demo.json" 9 || fail "the rover stream does not carry the station stream"

# SIGHUP with a new station id: rovers connecting afterwards get it on every frame, the
# first one included (the caster forgets the station frames it kept for new rovers).
sed -i 's/^station_id = 9$/station_id = 11/' "$work/cairn.toml"
kill -HUP "$cairnd_pid"
wait_for 5 bash -c "'$cairnctl' --state-dir '$work/state' audit tail -n 20 | grep -q config.reload" \
    || fail "the reload was not audited"
python3 "$work/check.py" "$work/state/demo.json" 11 || fail "the reloaded station id is not used"
echo "station_stream: ok"
