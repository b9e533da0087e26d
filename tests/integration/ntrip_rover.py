# SPDX-License-Identifier: GPL-3.0-or-later
# A minimal NTRIP v1 rover for the integration tests: reads a mountpoint for a while and
# returns its RTCM3 frames with the time each arrived. Imported by the tests' Python parts.
import base64
import socket
import time


def read(address, mount, user, password, seconds):
    """(payloads, arrivals): every RTCM3 payload received in `seconds`, and for each the
    wall time its bytes arrived. Asserts an ICY 200 OK reply."""
    host, port = address.rsplit(":", 1)
    cred = base64.b64encode(f"{user}:{password}".encode()).decode()
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(f"GET /{mount} HTTP/1.0\r\nUser-Agent: NTRIP test\r\n"
              f"Authorization: Basic {cred}\r\n\r\n".encode())
    data, times, end = b"", [], time.time() + seconds
    while time.time() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        times.append((len(data), time.time()))
        data += chunk
    s.close()
    assert data.startswith(b"ICY 200 OK\r\n"), data[:40]
    payloads, arrivals, i = [], [], 12
    while i + 6 <= len(data):
        if data[i] == 0xD3:
            n = ((data[i + 1] & 3) << 8) | data[i + 2]
            payloads.append(data[i + 3:i + 3 + n])
            arrivals.append(next(t for off, t in reversed(times) if off <= i))
            i += n + 6
        else:
            i += 1
    return payloads, arrivals


def bits(b, pos, n):
    """n bits of b from bit pos, most significant first (RTCM3 fields)."""
    v = 0
    for i in range(pos, pos + n):
        v = (v << 1) | ((b[i // 8] >> (7 - i % 8)) & 1)
    return v
