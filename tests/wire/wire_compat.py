#!/usr/bin/env python3
"""Independent encoder/decoder of the capture wire (TLV frames, SNRQ/SNRP
payloads), written from the byte layout in docs/WIRE.md with only struct
and zlib.crc32, to check ktsnap's C++ codec against it.

  wire_compat.py py-to-cpp PEER WORKDIR   Python writes frames, PEER checks them
  wire_compat.py cpp-to-py PEER WORKDIR   PEER writes SNRP frames, Python checks them

PEER is the wire_compat_peer program; both sides hold the same expected
values (kept in step by hand: tests/wire/wire_compat_peer.cpp).
"""
import os
import struct
import subprocess
import sys
import zlib

HEADER = struct.Struct("<IIII")  # msg_type, length, crc32, pad
SNRQ, SNRP = 0x534E5251, 0x534E5250
EXIT, SCST, SOUT, SERR, SRDY, STIM, KADR = (0x45584954, 0x53435354, 0x534F5554, 0x53455252,
                                            0x53524459, 0x5354494D, 0x4B414452)
TAG_MAX, REASON_MAX = 64, 512


def tag70():
    return bytes(ord("a") + i % 26 for i in range(70))


def frame(msg_type, payload, pad=0, crc=None):
    if crc is None:
        crc = zlib.crc32(payload) & 0xFFFFFFFF
    return HEADER.pack(msg_type, len(payload), crc, pad) + payload


def snrq(request_id, kind, tag):
    return struct.pack("<II", request_id, kind) + tag[:TAG_MAX].ljust(TAG_MAX, b"\0")


def requests_stream():
    out = b""
    out += frame(SCST, b"")
    out += frame(SNRQ, snrq(1, 1, b"boot"))
    out += frame(SNRQ, snrq(2, 2, b"sched_switch_watch"))
    out += frame(SNRQ, snrq(3, 1, b"T" * 64))
    out += frame(SNRQ, snrq(0xFFFFFFFF, 1, tag70()))
    out += frame(SNRQ, snrq(5, 1, "café-ß".encode()))
    out += frame(EXIT, struct.pack("<i", -3))
    out += frame(SOUT, b"hello from python\n")
    out += frame(SRDY, b"")
    out += frame(STIM, struct.pack("<IHHIHHQ", 1500, 3, 2, 0x11, 4, 8, 123456789))
    out += frame(KADR, struct.pack("<QQQ", 0x1000001, 0xFFFF888000000000, 0))
    out += frame(SERR, b"bad crc on purpose", crc=0x12345678)
    out += frame(SOUT, b"pad set", pad=0xA5A5A5A5)
    return out


def decode_text(field):
    end = field.find(b"\0")
    return field if end < 0 else field[:end]


def walk(data):
    """One-shot walk: list of (type, payload, crc_ok, pad)."""
    frames, pos = [], 0
    while len(data) - pos >= HEADER.size:
        msg_type, length, crc, pad = HEADER.unpack_from(data, pos)
        if len(data) - pos - HEADER.size < length:
            break
        payload = data[pos + HEADER.size:pos + HEADER.size + length]
        frames.append((msg_type, payload, (zlib.crc32(payload) & 0xFFFFFFFF) == crc, pad))
        pos += HEADER.size + length
    if pos != len(data):
        raise AssertionError("trailing %d bytes" % (len(data) - pos))
    return frames


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def cpp_to_py(data):
    check(data[:4] == b"PRNS", "SNRP travels as the bytes 'PRNS'")
    frames = walk(data)
    expected = [
        (1, 1, b""),
        (2, 2, b"another snapshot capture is in flight; retry"),
        (3, 2, b"r" * REASON_MAX),
        (4, 2, b"unknown snapshot kind 9"),
        (0xFFFFFFFF, 1, b""),
        (6, 2, "déjà vu".encode()),
    ]
    check(len(frames) == len(expected), "%d frames, expected %d" % (len(frames), len(expected)))
    for (msg_type, payload, crc_ok, pad), (rid, status, reason) in zip(frames, expected):
        check(msg_type == SNRP, "type 0x%08x" % msg_type)
        check(crc_ok, "crc of reply %d" % rid)
        check(pad == 0, "pad %d" % pad)
        check(len(payload) == 8 + REASON_MAX, "reply length %d" % len(payload))
        got_id, got_status = struct.unpack_from("<II", payload)
        check(got_id == rid, "request_id %d != %d" % (got_id, rid))
        check(got_status == status, "status %d != %d" % (got_status, status))
        field = payload[8:]
        check(decode_text(field) == reason, "reason of %d: %r" % (rid, decode_text(field)[:40]))
        check(field[len(reason):] == b"\0" * (REASON_MAX - len(reason)), "reason zero-filled")
    print("cpp-to-py: %d SNRP frames checked" % len(frames))


def main():
    mode, peer, workdir = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(workdir, exist_ok=True)
    if mode == "py-to-cpp":
        path = os.path.join(workdir, "py_frames.bin")
        with open(path, "wb") as f:
            f.write(requests_stream())
        return subprocess.call([peer, "check", path])
    if mode == "cpp-to-py":
        path = os.path.join(workdir, "cpp_replies.bin")
        rc = subprocess.call([peer, "write", path])
        if rc != 0:
            return rc
        with open(path, "rb") as f:
            cpp_to_py(f.read())
        return 0
    print("unknown mode " + mode, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
