#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Bad input against a running cairnd caster while a normal rover reads DEMO: garbage, a
# 1 MB header, 10,000 headers, a slowloris, a truncated chunked upload, SOURCE with a
# wrong password (plain and TLS), a client that never reads. Each gets its status and is
# closed; the daemon stays up; the normal rover misses no epoch.
# usage: caster_abuse.py STATE_DIR   (cairnd --demo running with that state dir)
import json, os, socket, ssl, struct, sys, threading, time

state = sys.argv[1]
demo = json.load(open(os.path.join(state, "demo.json")))
host, port = demo["caster_plain"].split(":")
port = int(port)
tls_port = int(demo["caster_tls"].split(":")[1])
rover = demo["rover"]
source = demo["source"]
import base64
basic = base64.b64encode(f"{rover['user']}:{rover['password']}".encode()).decode()
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def connect(tls=False, rcvbuf=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(15)
    s.connect((host, tls_port if tls else port))
    if tls:
        ctx = ssl.create_default_context(cafile=demo["ca_cert"])
        s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
    return s


def read_all(s, limit=1 << 20):
    out = b""
    try:
        while len(out) < limit:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (ConnectionResetError, socket.timeout, ssl.SSLError, BrokenPipeError):
        pass
    return out


def send_quietly(s, data):
    try:
        s.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
        return False


# --- the normal rover: records MSM7 GPS epoch times and arrival gaps
epochs, gaps, stop = [], [], threading.Event()


def normal_rover():
    s = connect()
    s.sendall(f"GET /DEMO HTTP/1.0\r\nUser-Agent: NTRIP test\r\nAuthorization: Basic {basic}\r\n\r\n".encode())
    # In-band rover GGA (NTRIP-COMPAT.md): parsed, kept coarsely, never forwarded.
    s.sendall(b"$GNGGA,134926.72,4707.7460000,N,01512.7200000,E,1,00,1.0,352.623,M,47.377,M,0.0,0000*53\r\n")
    buf = b""
    s.settimeout(1)
    head_done = False
    last = None
    while not stop.is_set():
        try:
            b = s.recv(65536)
        except socket.timeout:
            continue
        if not b:
            break
        buf += b
        if not head_done:
            if not buf.startswith(b"ICY 200 OK\r\n"):
                failures.append("normal rover not accepted: %r" % buf[:40])
                return
            buf = buf[len(b"ICY 200 OK\r\n"):]
            head_done = True
        while len(buf) >= 6:
            if buf[0] != 0xD3:
                buf = buf[1:]
                continue
            n = ((buf[1] & 3) << 8) | buf[2]
            if len(buf) < n + 6:
                break
            f, buf = buf[:n + 6], buf[n + 6:]
            t = (f[3] << 4) | (f[4] >> 4)
            if t == 1077:
                # epoch: 30 bits after type(12) + station(12)
                bits = int.from_bytes(f[3:11], "big")
                ep = (bits >> (64 - 24 - 30)) & ((1 << 30) - 1)
                now = time.monotonic()
                if last is not None:
                    gaps.append(now - last)
                last = now
                epochs.append(ep)
    s.close()


rt = threading.Thread(target=normal_rover, daemon=True)
rt.start()
time.sleep(2.5)
st_now = json.loads(os.popen(f"{os.environ['CAIRNCTL']} --state-dir {state} status --json").read())
rovers = [x for x in st_now["caster"]["sessions"] if x["role"] == "rover"]
check(any(x["gga_lines"] >= 1 and x["rover_position_coarse"] and x["rover_position_coarse"]["lat"] == 47.1
          for x in rovers), f"rover GGA parsed and kept coarsely ({rovers})")

# --- slowloris: a byte every second; closed by the 10 s header timeout
def slowloris(result):
    s = connect()
    t0 = time.monotonic()
    for c in b"GET /DEMO HTTP/1.1\r\nHost: x\r\nX-Slow: ":
        if not send_quietly(s, bytes([c])):
            break
        time.sleep(1)
        if time.monotonic() - t0 > 20:
            break
    s.settimeout(20)
    data = read_all(s)
    result.append((time.monotonic() - t0, data))


slow = []
st = threading.Thread(target=slowloris, args=(slow,), daemon=True)
st.start()

# --- garbage
s = connect()
send_quietly(s, bytes(range(256)) * 4 + b"\r\n\r\n")
r = read_all(s)
check(b" 400 " in r[:40] or r == b"", f"garbage -> 400 and close ({r[:30]!r})")

# --- 1 MB header
s = connect()
send_quietly(s, b"GET /DEMO HTTP/1.1\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
r = read_all(s)
check(r[:12] in (b"HTTP/1.1 431", b"HTTP/1.0 431", b"HTTP/1.1 414", b"HTTP/1.0 414") or r == b"",
      f"1 MB header -> 431/414 and close ({r[:30]!r})")

# --- 10,000 headers
s = connect()
send_quietly(s, b"GET /DEMO HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(10000)) + b"\r\n")
r = read_all(s)
check(b" 431 " in r[:20], f"10,000 headers -> 431 ({r[:30]!r})")

# --- SOURCE with a wrong password: plain (needs TLS anyway) and TLS
for tls in (False, True):
    s = connect(tls)
    send_quietly(s, b"SOURCE wrongpassword DEMO_UP\r\nSource-Agent: NTRIP test\r\nSTR: \r\n\r\n")
    r = read_all(s)
    check(r.startswith(b"ERROR - Bad Password"), f"SOURCE wrong password ({'TLS' if tls else 'plain'}) -> ERROR - Bad Password ({r[:30]!r})")

# --- a SOURCE on the receiver-fed mountpoint is refused even with the right password
s = connect(True)
send_quietly(s, f"SOURCE {source['user']}.{source['password']} DEMO\r\nSource-Agent: NTRIP test\r\n\r\n".encode())
r = read_all(s)
check(r.startswith(b"ERROR - Mount Point Taken or Invalid"), f"SOURCE on the receiver mountpoint refused ({r[:40]!r})")

# --- a truncated chunked upload (TLS, valid publish token)
sb = base64.b64encode(f"{source['user']}:{source['password']}".encode()).decode()
s = connect(True)
send_quietly(s, (f"POST /DEMO_UP HTTP/1.1\r\nHost: 127.0.0.1\r\nNtrip-Version: Ntrip/2.0\r\n"
                 f"Authorization: Basic {sb}\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
s.settimeout(5)
head = b""
try:
    head = s.recv(4096)
except Exception:
    pass
check(head.startswith(b"HTTP/1.1 200"), f"POST source accepted ({head[:20]!r})")
send_quietly(s, b"400\r\n" + b"\xd3" * 100)  # promises 1024 bytes, sends 100, then goes away
s.close()

# --- a client that never reads (tiny receive buffer): closed as slow_consumer
lazy = connect(rcvbuf=1024)
lazy.sendall(f"GET /DEMO HTTP/1.0\r\nAuthorization: Basic {basic}\r\n\r\n".encode())

st.join(30)
check(bool(slow) and slow[0][0] < 16, f"slowloris closed by the header timeout ({slow[0][0] if slow else None:.1f} s)")

# wait for the lazy client to be dropped
deadline = time.monotonic() + 60
dropped = False
while time.monotonic() < deadline and not dropped:
    time.sleep(1)
    st_json = os.popen(f"{os.environ['CAIRNCTL']} --state-dir {state} audit tail -n 5000").read()
    dropped = "slow_consumer" in st_json
check(dropped, "a client that never reads is closed as slow_consumer")

stop.set()
rt.join(5)
import subprocess
tail = subprocess.run([os.environ['CAIRNCTL'], "--state-dir", state, "audit", "tail", "-n", "5000"],
                      capture_output=True, text=True)
print(tail.stderr, end="")
st_json = tail.stdout
if "truncated_upload" not in st_json:
    print(st_json[-3000:])
check("truncated_upload" in st_json, "the truncated upload is audited as truncated_upload")
check("bad_secret" in st_json or "unknown_token" in st_json, "the wrong SOURCE password is audited")
# the normal rover: every epoch, in order, no gap of more than one epoch
steps = [b - a for a, b in zip(epochs, epochs[1:])]
bad = [d for d in steps if d != 1000 // max(1, int(os.environ.get("SPEED", "1"))) and d != 1000]
check(len(epochs) >= 10, f"normal rover received {len(epochs)} epochs")
check(all(d == 1000 for d in steps), f"normal rover saw consecutive epochs (steps {sorted(set(steps))})")
print(f"normal rover: {len(epochs)} epochs, max gap {max(gaps) if gaps else 0:.3f} s")
sys.exit(1 if failures else 0)
