#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes the CRC-valid RTCM3 frames of a capture, in order, to OUT: what every NTRIP
# client of a mountpoint fed with that capture must receive byte for byte.
# usage: rtcm_frames.py CAPTURE OUT [--dechunk]   (--dechunk: CAPTURE is a chunked body)
import sys


def crc24q(data):
    crc = 0
    for b in data:
        crc ^= b << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def frames(d):
    i, out = 0, []
    while i + 6 <= len(d):
        if d[i] == 0xD3 and (d[i + 1] & 0xFC) == 0:
            n = ((d[i + 1] & 3) << 8) | d[i + 2]
            if n and i + n + 6 <= len(d):
                f = d[i:i + n + 6]
                if crc24q(f[:-3]) == int.from_bytes(f[-3:], "big"):
                    out.append(f)
                    i += n + 6
                    continue
        i += 1
    return out


def dechunk(d):
    out, i = bytearray(), 0
    while True:
        j = d.find(b"\r\n", i)
        if j < 0:
            break
        size = int(d[i:j].split(b";")[0], 16)
        if size == 0:
            break
        out += d[j + 2:j + 2 + size]
        i = j + 2 + size + 2
    return bytes(out)


if __name__ == "__main__":
    data = open(sys.argv[1], "rb").read()
    if "--dechunk" in sys.argv:
        data = dechunk(data)
    open(sys.argv[2], "wb").write(b"".join(frames(data)))
