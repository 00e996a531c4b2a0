#!/usr/bin/env python3
"""A fake host end of the capture wire for the `ktsnap request` tests.

    fake_wire_host.py MODE PATHFILE LOGFILE

Opens a pseudo-terminal in raw mode (no echo, no line editing, no CR/NL
translation: a byte pipe both ways), writes the slave's path to PATHFILE
(the guest end, what `ktsnap request --port PATH` opens), reads one
SNAPSHOT_REQUEST frame from the master, logs what it got to LOGFILE and
answers according to MODE:

    ok          status OK
    err         status ERR, reason "no capture for you"
    stale-ok    first a reply for another id, then status OK
    badstatus   status 9 (a protocol error on the guest)
    badcrc      an OK reply with a wrong CRC
    silent      no answer
Then it stays until killed (or 30 s), holding both ends open so that what it
wrote is not lost to a hangup.
"""
import os
import select
import struct
import sys
import time
import tty
import zlib

SNRQ = 0x534E5251
SNRP = 0x534E5250


def frame(msg_type, payload, crc=None):
    if crc is None:
        crc = zlib.crc32(payload) & 0xFFFFFFFF
    return struct.pack("<IIII", msg_type, len(payload), crc, 0) + payload


def reply(req_id, status, reason=b""):
    return frame(SNRP, struct.pack("<II", req_id, status) + reason[:512].ljust(512, b"\0"))


def read_exact(fd, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no request in time (%d of %d bytes)" % (len(buf), n))
        r, _, _ = select.select([fd], [], [], left)
        if r:
            chunk = os.read(fd, n - len(buf))
            if not chunk:
                raise EOFError("guest closed")
            buf += chunk
    return buf


def main():
    mode, pathfile, logfile = sys.argv[1:4]
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    with open(pathfile + ".tmp", "w") as f:
        f.write(path + "\n")
    os.rename(pathfile + ".tmp", pathfile)

    log = open(logfile, "w")
    deadline = time.monotonic() + 20
    try:
        hdr = read_exact(master, 16, deadline)
        msg_type, length, crc, pad = struct.unpack("<IIII", hdr)
        payload = read_exact(master, length, deadline) if length <= 1024 else b""
        req_id, kind = struct.unpack("<II", payload[:8])
        tag = payload[8:72]
        crc_ok = (zlib.crc32(payload) & 0xFFFFFFFF) == crc
        log.write("type=%s length=%d pad=%d crc_ok=%d id=%d kind=%d tag=%s taglen=%d\n" % (
            struct.pack("<I", msg_type)[::-1].decode("ascii", "replace"), length, pad, crc_ok,
            req_id, kind, tag.rstrip(b"\0").decode("utf-8", "replace"), len(tag.rstrip(b"\0"))))
        log.flush()
    except Exception as e:  # noqa: BLE001 - the log says what went wrong
        log.write("error %s\n" % e)
        log.flush()
        req_id = None

    if req_id is not None:
        if mode == "ok":
            os.write(master, reply(req_id, 1))
        elif mode == "err":
            os.write(master, reply(req_id, 2, b"no capture for you"))
        elif mode == "stale-ok":
            os.write(master, reply(req_id + 100, 2, b"old") + reply(req_id, 1))
        elif mode == "badstatus":
            os.write(master, reply(req_id, 9))
        elif mode == "badcrc":
            good = reply(req_id, 1)
            os.write(master, good[:8] + struct.pack("<I", 0xDEADBEEF) + good[12:])
    end = time.monotonic() + 30
    while time.monotonic() < end:
        time.sleep(0.05)


if __name__ == "__main__":
    main()
