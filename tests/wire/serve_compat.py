#!/usr/bin/env python3
"""`ktsnap serve` against an independent guest written from the byte layout
in docs/WIRE.md (struct + zlib.crc32 only): Python listens on a unix socket
as QEMU's chardev would, starts `ktsnap serve --socket ... --out DIR
--pinned MAP`, sends snapshot requests and other frames in the spec byte
layout and checks every reply byte for byte, then the files written.

  serve_compat.py KTSNAP WORKDIR

Needs root, a working bpf() and bpftool (for a live map to capture); exits
77 (skipped) with the reason otherwise. With qemu-system-x86_64 present, a
second part pauses a real (machine-less) QEMU through --qmp and checks from
a second QMP monitor, in the --hook, that it is paused during each capture
and running again after; it also drives the SIGUSR1/SIGUSR2/SIGTERM
triggers. Prints "N passed, N failed".
"""
import json
import os
import select
import signal
import shutil
import socket
import struct
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import pycheck  # noqa: E402
from pycheck import check  # noqa: E402
# The frame layout and the SNRQ encoder of the other independent Python peer.
from wire_compat import HEADER, REASON_MAX, SCST, SNRP, SNRQ, STIM, TAG_MAX, frame, snrq  # noqa: E402,F401

REPLY_FRAME = 16 + 8 + REASON_MAX
OK, ERR = 1, 2


def recv_exact(conn, n, timeout):
    out = b""
    deadline = time.monotonic() + timeout
    while len(out) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([conn], [], [], left)
        if not r:
            break
        chunk = conn.recv(n - len(out))
        if not chunk:
            break
        out += chunk
    return out


def read_reply(conn, timeout=20.0):
    """One SNRP frame, checked for layout; returns (id, status, reason bytes) or None."""
    raw = recv_exact(conn, REPLY_FRAME, timeout)
    if len(raw) != REPLY_FRAME:
        return None, "got %d of %d reply bytes" % (len(raw), REPLY_FRAME)
    msg_type, length, crc, pad = HEADER.unpack_from(raw, 0)
    payload = raw[16:]
    problems = []
    if raw[0:4] != b"PRNS":
        problems.append("type bytes %r, want b'PRNS'" % raw[0:4])
    if msg_type != SNRP:
        problems.append("type 0x%08x" % msg_type)
    if length != 8 + REASON_MAX:
        problems.append("length %d" % length)
    if crc != zlib.crc32(payload) & 0xFFFFFFFF:
        problems.append("crc 0x%08x != 0x%08x" % (crc, zlib.crc32(payload) & 0xFFFFFFFF))
    if pad != 0:
        problems.append("pad %d" % pad)
    rid, status = struct.unpack_from("<II", payload, 0)
    reason = payload[8:]
    end = reason.find(b"\0")
    text = reason if end < 0 else reason[:end]
    if end >= 0 and any(reason[end:]):
        problems.append("reason not zero-filled after its text")
    if status == OK and any(reason):
        problems.append("OK reply with a non-zero reason")
    if problems:
        return None, "; ".join(problems)
    return (rid, status, text), ""


def no_reply(conn, wait=0.4):
    r, _, _ = select.select([conn], [], [], wait)
    return not r


def hook_check(monitor):
    """--hook body: exit 0 only when the VM behind `monitor` is paused (and
    the tag is not "hookfail")."""
    if os.environ.get("KTSNAP_TAG") == "hookfail":
        sys.exit(3)
    status = qmp_status(monitor)
    sys.exit(0 if status == "paused" else 1)


def qmp_status(monitor):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(monitor)
    f = s.makefile("rw")
    f.readline()
    f.write('{"execute": "qmp_capabilities"}\n')
    f.flush()
    f.readline()
    f.write('{"execute": "query-status"}\n')
    f.flush()
    while True:
        m = json.loads(f.readline())
        if "return" in m:
            s.close()
            return m["return"]["status"]


def wait_for(path, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def qmp_part(ktsnap, work, pin):
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        print("skip qmp part: qemu-system-x86_64 missing")
        return
    q1, q2 = os.path.join(work, "q1.sock"), os.path.join(work, "q2.sock")
    vm = subprocess.Popen([qemu, "-machine", "none", "-display", "none", "-nodefaults",
                           "-qmp", "unix:%s,server=on,wait=off" % q1, "-qmp", "unix:%s,server=on,wait=off" % q2],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    serve = None
    try:
        if not (wait_for(q1) and wait_for(q2)):
            check("qemu QMP sockets appear", False)
            return
        check("qemu runs before any capture", qmp_status(q2) == "running")
        sock_path = os.path.join(work, "bulk2.sock")
        out_dir = os.path.join(work, "out2")
        lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lsock.bind(sock_path)
        lsock.listen(1)
        hook = "%s %s --hook-check %s" % (sys.executable, os.path.abspath(__file__), q2)
        stdout_path = os.path.join(work, "serve2.out")
        serve = subprocess.Popen([ktsnap, "serve", "--socket", sock_path, "--qmp", q1, "--pinned", pin,
                                  "--out", out_dir, "--hook", hook, "--tick-ms", "20"],
                                 stdout=open(stdout_path, "w"), stderr=subprocess.STDOUT)
        lsock.settimeout(20)
        conn, _ = lsock.accept()
        for rid, tag in ((1, b"paused-1"), (2, b"paused-2")):
            conn.sendall(frame(SNRQ, snrq(rid, 1, tag)))
            rep, why = read_reply(conn)
            check("qmp: %s captured while paused (hook saw paused)" % tag.decode(),
                  rep is not None and rep[0] == rid and rep[1] == OK, why or repr(rep))
            check("qmp: running again after %s" % tag.decode(), qmp_status(q2) == "running")
        conn.sendall(frame(SNRQ, snrq(3, 1, b"hookfail")))
        rep, why = read_reply(conn)
        check("qmp: failing hook gives ERR with its exit status", rep is not None and rep[1] == ERR
              and b"exited with status 3" in rep[2], why or repr(rep))
        check("qmp: running again after the failed hook", qmp_status(q2) == "running")
        serve.send_signal(signal.SIGUSR1)
        time.sleep(0.3)
        serve.send_signal(signal.SIGUSR2)
        deadline = time.monotonic() + 10
        want = os.path.join(out_dir, "ktsnap.snapshot.failure.ktsnap")
        while not os.path.exists(want) and time.monotonic() < deadline:
            time.sleep(0.05)
        serve.send_signal(signal.SIGTERM)
        try:
            rc = serve.wait(timeout=20)
        except subprocess.TimeoutExpired:
            serve.kill()
            rc = None
        conn.close()
        out = open(stdout_path).read()
        check("qmp: SIGTERM stops serve with exit 0", rc == 0 and "stopped" in out, "exit %r: %s" % (rc, out))
        names = sorted(os.listdir(out_dir)) if os.path.isdir(out_dir) else []
        check("qmp: files for the captures, early and failure, none for the failed hook",
              names == sorted(["ktsnap.snapshot.paused-1.ktsnap", "ktsnap.snapshot.paused-2.ktsnap",
                               "ktsnap.snapshot.early.ktsnap", "ktsnap.snapshot.failure.ktsnap"]), repr(names))
        check("qmp: state done in the summary", "state done" in out, out)
    finally:
        if serve and serve.poll() is None:
            serve.kill()
        vm.terminate()
        try:
            vm.wait(timeout=10)
        except subprocess.TimeoutExpired:
            vm.kill()


def skip(reason):
    print("skip serve_compat: " + reason)
    print("0 passed, 0 failed")
    sys.exit(77)


def main():
    ktsnap, work = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        skip("not root (the service captures live BPF maps)")
    bpftool = shutil.which("bpftool") or ("/usr/sbin/bpftool" if os.path.exists("/usr/sbin/bpftool") else None)
    if not bpftool:
        skip("bpftool missing (scripts/install-deps.sh installs it)")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    pin = "/sys/fs/bpf/ktsnap_serve_test_%d" % os.getpid()
    name = "ksrv%d" % (os.getpid() % 100000)
    r = subprocess.run([bpftool, "map", "create", pin, "type", "hash", "key", "4", "value", "8", "entries", "16",
                        "name", name], capture_output=True, text=True)
    if r.returncode != 0:
        skip("bpftool map create failed: " + (r.stderr.strip().splitlines() or ["?"])[0])
    proc = None
    try:
        for k in (1, 2, 3):
            subprocess.run([bpftool, "map", "update", "pinned", pin, "key", str(k), "0", "0", "0", "value",
                            str(k * 10), "0", "0", "0", "0", "0", "0", "0"], check=True)
        sock_path = os.path.join(work, "bulk.sock")
        out_dir = os.path.join(work, "out")
        lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lsock.bind(sock_path)
        lsock.listen(1)
        stdout_path = os.path.join(work, "serve.out")
        stderr_path = os.path.join(work, "serve.err")
        # A ring consumer that must see every stored report.
        ring = "ktsnap-serve-compat-%d" % os.getpid()
        subprocess.run([ktsnap, "ring", "rm", ring], capture_output=True)
        subprocess.run([ktsnap, "ring", "create", ring, "--size", "8M"], check=True, capture_output=True)
        tail_path = os.path.join(work, "tail.out")
        tail = subprocess.Popen([ktsnap, "ring", "tail", ring, "--count", "5", "--summary", "--timeout", "60"],
                                stdout=open(tail_path, "w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while "following" not in open(tail_path).read() and time.monotonic() < deadline:
            time.sleep(0.05)
        proc = subprocess.Popen([ktsnap, "serve", "--socket", sock_path, "--out", out_dir, "--ring", ring,
                                 "--capture", "--pinned", pin],
                                stdout=open(stdout_path, "w"), stderr=open(stderr_path, "w"))
        lsock.settimeout(20)
        conn, _ = lsock.accept()
        run_exchange(conn)
        conn.close()
        try:
            rc = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = None
        check("serve exits 0 when the guest side closes", rc == 0, "exit %r" % rc)
        out = open(stdout_path).read()
        err = open(stderr_path).read()
        check("one log line per answered request", out.count("request id=") == 8, out)
        check("log line carries tag, outcome and times",
              'request id=1 kind=capture tag="first" ok freeze_us=' in out and "capture_us=" in out, out)
        check("log line for the unknown kind", 'kind=7 tag="k7" err' in out and "unknown snapshot kind 7" in out, out)
        summary = [l for l in out.splitlines() if l.startswith("serve: ")]
        check("summary line", len(summary) == 1 and "8 requests (5 ok, 3 err, 0 busy)" in summary[0]
              and "1 bad CRC" in summary[0] and "3 malformed" in summary[0] and "peer closed" in summary[0],
              "%r / stderr %r" % (summary, err))
        check_files(ktsnap, out_dir)
        try:
            tail_rc = tail.wait(timeout=20)
        except subprocess.TimeoutExpired:
            tail.kill()
            tail_rc = None
        tags = [l.split('"')[1] for l in open(tail_path).read().splitlines() if l.startswith("seq ")]
        check("ring consumer received every stored report, in order", tail_rc == 0 and
              tags == ["first", "second", TAG70[:64].decode(), "after-junk", "split"], "rc %r %r" % (tail_rc, tags))
        subprocess.run([ktsnap, "ring", "rm", ring], capture_output=True)
        qmp_part(ktsnap, work, pin)
    finally:
        if proc and proc.poll() is None:
            proc.kill()
        if os.path.exists(pin):
            os.unlink(pin)
        subprocess.run([ktsnap, "ring", "rm", "ktsnap-serve-compat-%d" % os.getpid()], capture_output=True)
    sys.exit(pycheck.summary())


TAG70 = bytes(ord("a") + i % 26 for i in range(70))


def run_exchange(conn):
    def ask(rid, kind, tag, name):
        conn.sendall(frame(SNRQ, snrq(rid, kind, tag)))
        rep, why = read_reply(conn)
        check(name + ": reply layout", rep is not None, why)
        return rep

    rep = ask(1, 1, b"first", "capture first")
    check("capture first: id echoed, OK", rep is not None and rep[0] == 1 and rep[1] == OK, repr(rep))
    rep = ask(0xFFFFFFFE, 1, b"second", "capture second")
    check("capture second: id echoed, OK", rep is not None and rep[0] == 0xFFFFFFFE and rep[1] == OK, repr(rep))
    rep = ask(3, 1, TAG70, "capture 70-byte tag")
    check("capture 70-byte tag: OK", rep is not None and rep[0] == 3 and rep[1] == OK, repr(rep))
    rep = ask(4, 2, b"jiffies", "watch")
    check("watch without support: ERR with a reason", rep is not None and rep[0] == 4 and rep[1] == ERR
          and b"jiffies" in rep[2] and b"watch" in rep[2], repr(rep))
    rep = ask(5, 7, b"k7", "unknown kind")
    check("unknown kind: ERR 'unknown snapshot kind 7'", rep is not None and rep[1] == ERR
          and rep[2] == b"unknown snapshot kind 7", repr(rep))

    # No reply at all: a bad CRC, kind 0, id 0, a 71-byte payload.
    bad = bytearray(frame(SNRQ, snrq(6, 1, b"badcrc")))
    bad[8] ^= 0xFF
    conn.sendall(bytes(bad))
    conn.sendall(frame(SNRQ, snrq(60, 0, b"kind0")))
    conn.sendall(frame(SNRQ, snrq(0, 1, b"id0")))
    conn.sendall(frame(SNRQ, snrq(61, 1, b"short")[:71]))
    check("bad CRC, kind 0, id 0, wrong size: no reply", no_reply(conn))

    # Other frames between requests: an unknown type, a bad-CRC unknown
    # type, a stimulus, a scenario start, a guest-sent SNRP.
    stream = frame(0x4A554E4B, b"junk between frames")
    stream += frame(0x4A554E4B, b"more junk", crc=0xDEADBEEF)
    stream += frame(STIM, struct.pack("<IHHIHHQ", 1500, 3, 2, 0x11, 4, 8, 123456789))
    stream += frame(SCST, b"")
    stream += frame(SNRP, struct.pack("<II", 9, 1) + b"\0" * REASON_MAX)
    stream += frame(SNRQ, snrq(7, 1, b"after-junk"))
    conn.sendall(stream)
    rep, why = read_reply(conn)
    check("request after other frames: OK", rep is not None and rep[0] == 7 and rep[1] == OK, why or repr(rep))

    # One request split across three writes.
    f = frame(SNRQ, snrq(8, 1, b"split"))
    conn.sendall(f[:5])
    time.sleep(0.05)
    conn.sendall(f[5:40])
    time.sleep(0.05)
    check("split frame: no reply before the last byte", no_reply(conn, 0.1))
    conn.sendall(f[40:])
    rep, why = read_reply(conn)
    check("split frame: OK", rep is not None and rep[0] == 8 and rep[1] == OK, why or repr(rep))

    # An empty tag: answered, ERR with the reason.
    rep = ask(9, 1, b"", "empty tag")
    check("empty tag: ERR naming the tag", rep is not None and rep[1] == ERR and b"tag" in rep[2], repr(rep))
    check("nothing else arrives", no_reply(conn, 0.2))


def check_files(ktsnap, out_dir):
    names = sorted(os.listdir(out_dir)) if os.path.isdir(out_dir) else []
    want = sorted(["ktsnap.snapshot.first.ktsnap", "ktsnap.snapshot.second.ktsnap",
                   "ktsnap.snapshot.%s.ktsnap" % TAG70[:64].decode(), "ktsnap.snapshot.after-junk.ktsnap",
                   "ktsnap.snapshot.split.ktsnap"])
    check("files written, one per stored report (tag cut at 64 bytes)", names == want, repr(names))
    for n in names:
        p = os.path.join(out_dir, n)
        r = subprocess.run([ktsnap, "json", p], capture_output=True, text=True)
        tag = n[len("ktsnap.snapshot."):-len(".ktsnap")]
        check("%s opens and carries its tag" % n, r.returncode == 0 and ('"%s"' % tag) in r.stdout,
              r.stderr.strip()[:200])


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--hook-check":
        hook_check(sys.argv[2])
    main()
