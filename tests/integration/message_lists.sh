#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Per-mountpoint RTKBase message lists as a rover receives them: mountpoint LIST keeps
# only 1005 every 5 s, 1077 every epoch and 1230 every 3 s of what the receiver sends
# (the simulator: 1005, 1077, 1087, 1097, 1127, 1230 every epoch), while DEMO, fed by the
# same receiver, still gets everything. A listed type a u-blox base cannot produce (1019)
# is a start-up warning naming it.
source "$(dirname "$0")/lib.sh"
need python3

cat > "$work/cairn.toml" <<'TOML'
[caster]
[[caster.mountpoint]]
name = "LIST"
latitude = 32.06
longitude = 34.77
messages = "1005(5),1077,1230(3),1019"
TOML
start_cairnd --demo --config "$work/cairn.toml"
grep -q "^<4>config: .*cairn.toml:6:12: caster.mountpoint\[0\].messages: message 1019" "$work/cairnd.log" \
    || fail "no warning for 1019: $(grep -i warn "$work/cairnd.log")"
"$cairnctl" --state-dir "$work/state" token create --mount LIST --scope read --label list-rover \
    --json > "$work/tok.json" || fail "token create"
wait_for 10 test -f "$work/state/demo.json" || fail "no demo.json"
# cairnd sees a new token within store_watch_interval (1 s): the demo's 3 plus this one.
wait_for 5 bash -c "'$cairnctl' --state-dir '$work/state' status --json | grep -q '\"tokens\": 4'" \
    || fail "cairnd did not pick up the new token"

cat > "$work/read.py" <<'PY'
import json, os, sys
sys.path.insert(0, os.path.join(os.environ["CAIRN_SOURCE_ROOT"], "tests", "integration"))
from ntrip_rover import bits, read
demo = json.load(open(sys.argv[1])); tok = json.load(open(sys.argv[2]))
mount, seconds = sys.argv[3], float(sys.argv[4])
user, password = ((tok["ntrip"]["user"], tok["ntrip"]["password"]) if mount == "LIST"
                  else (demo["rover"]["user"], demo["rover"]["password"]))
payloads, times = read(demo["caster_plain"], mount, user, password, seconds)
arrivals = {}
for p, at in zip(payloads, times):
    arrivals.setdefault(bits(p, 0, 12), []).append(at)
start = times[0] if times else 0
print(json.dumps({str(t): [round(a - start, 2) for a in v] for t, v in sorted(arrivals.items())}))
PY
python3 "$work/read.py" "$work/state/demo.json" "$work/tok.json" LIST 12 > "$work/list.json" \
    || fail "reading LIST failed"
python3 "$work/read.py" "$work/state/demo.json" "$work/tok.json" DEMO 3 > "$work/demo.json" \
    || fail "reading DEMO failed"
python3 - "$work/list.json" "$work/demo.json" <<'PY' || fail "message list not applied"
import json, sys
lst = {int(k): v for k, v in json.load(open(sys.argv[1])).items()}
demo = {int(k): v for k, v in json.load(open(sys.argv[2])).items()}
print("LIST:", {t: len(v) for t, v in lst.items()}, "DEMO:", {t: len(v) for t, v in demo.items()})
assert set(lst) == {1005, 1077, 1230}, sorted(lst)
assert set(demo) == {1005, 1077, 1087, 1097, 1127, 1230}, sorted(demo)
# 1077 every epoch over 12 s; 1005 every 5 s (plus the cached one a new rover gets first);
# 1230 every 3 s.
assert 10 <= len(lst[1077]) <= 14, lst[1077]
gaps = lambda v: [b - a for a, b in zip(v, v[1:])]
assert all(g > 4.4 for g in gaps(lst[1005][1:])), lst[1005]
assert 2 <= len(lst[1005]) <= 4, lst[1005]
assert all(g > 2.4 for g in gaps(lst[1230])), lst[1230]
assert 3 <= len(lst[1230]) <= 5, lst[1230]
PY
status_json > "$work/status.json"
python3 - "$work/status.json" <<'PY' || fail "status lacks the filter counters"
import json, sys
st = json.load(open(sys.argv[1]))
m = next(m for m in st["caster"]["mountpoints"] if m["name"] == "LIST")
f = m["messages"]
assert f["list"] == "1005(5),1077,1230(3),1019", f
assert f["dropped"]["1087"] > 0 and f["kept"]["1077"] > 0, f
PY
echo "message_lists: ok"
