#!/usr/bin/env python3
"""QEMU end-to-end plumbing test (tests/vm, docs/VM-TESTS.md).

Boots the test guest under TCG with a virtio-serial port named
org.ktsnap.wire on a unix-socket chardev, does the line exchange of
guest_echo.c with it, and in round 2, while the guest waits for the reply,
pauses the VM over QMP (stop; query-status must say paused; the reply is
written while paused and no byte may come back; cont). Then the guest must
power off by itself with "KTSNAP-VM-EXIT 0" on its console.

Exit status: 0 pass, 1 fail, 77 skip (the reason is printed); with
KTSNAP_VM_REQUIRED=1 (scripts/test.sh sets it) a reason to skip fails
instead, so CI cannot pass without booting the guest. Standard
library only. QEMU is killed on every path (and with this process, by
PR_SET_PDEATHSIG, should it be killed itself).
"""
import argparse
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

PORT_NAME = "org.ktsnap.wire"
ROUNDS = 3
PAUSE_ROUND = 2
SKIP = 77


class Failure(Exception):
    pass


class Lines:
    """Line reader over a stream socket, bounded by an absolute deadline."""

    def __init__(self, sock, deadline, what):
        self.sock, self.deadline, self.what, self.buf = sock, deadline, what, b""

    def _recv(self, until):
        left = until - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        self.sock.settimeout(left)
        data = self.sock.recv(4096)
        if not data:
            raise Failure(f"{self.what}: connection closed (pending {self.buf!r})")
        self.buf += data

    def line(self):
        while b"\n" not in self.buf:
            try:
                self._recv(self.deadline)
            except socket.timeout:
                raise Failure(f"{self.what}: timed out waiting for a line "
                              f"(pending {self.buf!r})") from None
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("utf-8", "replace")

    def nothing_for(self, seconds):
        """True when no byte arrives within seconds."""
        if self.buf:
            return False
        try:
            self._recv(time.monotonic() + seconds)
        except socket.timeout:
            return True
        return False

    def send(self, text):
        self.sock.settimeout(max(0.1, self.deadline - time.monotonic()))
        self.sock.sendall(text.encode() + b"\n")


class Qmp:
    def __init__(self, sock, deadline):
        self.lines = Lines(sock, deadline, "QMP")
        greeting = self._message()
        if "QMP" not in greeting:
            raise Failure(f"QMP: no greeting: {greeting}")
        self.command("qmp_capabilities")

    def _message(self):
        return json.loads(self.lines.line())

    def command(self, name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.lines.send(json.dumps(msg))
        while True:
            reply = self._message()
            if "event" in reply:
                log(f"QMP event {reply['event']}")
                continue
            if "error" in reply:
                raise Failure(f"QMP {name}: {reply['error']}")
            return reply.get("return")


T0 = time.monotonic()


def log(text):
    print(f"[{time.monotonic() - T0:6.2f}s] {text}", flush=True)


def connect_unix(path, qemu, deadline, what):
    while True:
        if qemu.poll() is not None:
            raise Failure(f"QEMU exited ({qemu.returncode}) before {what} was up")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
        if time.monotonic() > deadline:
            raise Failure(f"{what}: {path} never accepted a connection")
        time.sleep(0.02)


def die_with_parent():
    # Runs in the child before exec: SIGKILL QEMU if the harness dies.
    PR_SET_PDEATHSIG = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except Exception:
        pass


def exchange(wire, qmp):
    wire.send("KTSNAP-HOST hello")
    paused_seen = False
    for i in range(1, ROUNDS + 1):
        ping = wire.line()
        if ping != f"KTSNAP-VM ping {i}":
            raise Failure(f"round {i}: expected ping {i}, got {ping!r}")
        if i == 1:
            log("first ping from the guest")
        pong = f"KTSNAP-HOST pong {i}"
        if i == PAUSE_ROUND:
            # The guest is blocked reading its reply: freeze it.
            qmp.command("stop")
            status = qmp.command("query-status")
            log(f"after stop: query-status {status}")
            if status.get("status") != "paused" or status.get("running"):
                raise Failure(f"query-status after stop: {status}")
            paused_seen = True
            wire.send(pong)
            if not wire.nothing_for(0.3):
                raise Failure(f"the paused guest answered: {wire.buf!r}")
            qmp.command("cont")
            status = qmp.command("query-status")
            log(f"after cont: query-status {status}")
            if status.get("status") != "running" or not status.get("running"):
                raise Failure(f"query-status after cont: {status}")
        else:
            wire.send(pong)
        got = wire.line()
        if got != f"KTSNAP-VM got {pong}":
            raise Failure(f"round {i}: guest echoed {got!r}, expected it got {pong!r}")
        log(f"round {i}: guest saw {pong!r}")
    bye = wire.line()
    if bye != "KTSNAP-VM bye":
        raise Failure(f"expected bye, got {bye!r}")
    if not paused_seen:
        raise Failure("the VM was never paused")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--skip-reason", default="")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (console log)")
    args = ap.parse_args()

    def skip(reason):
        if os.environ.get("KTSNAP_VM_REQUIRED") == "1":
            print(f"FAIL (KTSNAP_VM_REQUIRED=1, would skip): {reason}")
            return 1
        print(f"SKIP: {reason}")
        return SKIP

    if args.skip_reason:
        return skip(f"guest image {args.skip_reason}")
    qemu_bin = os.environ.get("KTSNAP_QEMU") or shutil.which("qemu-system-x86_64")
    if not qemu_bin:
        return skip("no qemu-system-x86_64 (apt install qemu-system-x86; scripts/install-deps.sh)")
    if not os.path.isfile(args.kernel):
        return skip(f"no guest kernel {args.kernel} (scripts/install-deps.sh unpacks it)")
    if not os.path.isfile(args.initrd):
        print(f"FAIL: no initramfs {args.initrd} (is the build complete?)")
        return 1

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    work = tempfile.mkdtemp(prefix="ktsnap-vm-")
    wire_path = os.path.join(work, "wire.sock")
    qmp_path = os.path.join(work, "qmp.sock")
    console_path = os.path.join(work, "console.log")
    cmd = [qemu_bin, "-accel", "tcg", "-m", "256", "-nographic", "-no-reboot",
           "-nic", "none",
           "-kernel", args.kernel, "-initrd", args.initrd,
           "-append", "console=ttyS0 panic=-1 quiet",
           "-device", "virtio-serial-pci",
           "-chardev", f"socket,id=kt,path={wire_path},server=on,wait=off",
           "-device", f"virtserialport,chardev=kt,name={PORT_NAME}",
           "-qmp", f"unix:{qmp_path},server=on,wait=off"]
    deadline = T0 + args.timeout
    qemu = None
    socks = []
    ok = False
    try:
        with open(console_path, "wb") as console:
            qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=console,
                                    stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        log(f"QEMU started (pid {qemu.pid})")
        qmp_sock = connect_unix(qmp_path, qemu, deadline, "QMP")
        socks.append(qmp_sock)
        qmp = Qmp(qmp_sock, deadline)
        wire_sock = connect_unix(wire_path, qemu, deadline, "the chardev socket")
        socks.append(wire_sock)
        exchange(Lines(wire_sock, deadline, "wire"), qmp)
        log("exchange done; waiting for the guest to power off")
        try:
            rc = qemu.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise Failure("the guest did not power off in time") from None
        text = open(console_path, "rb").read().decode("utf-8", "replace")
        if rc != 0:
            raise Failure(f"QEMU exited with {rc}")
        if "Kernel panic" in text:
            raise Failure("the guest kernel panicked")
        if "KTSNAP-VM-EXIT 0" not in text:
            raise Failure("the guest's /init did not report KTSNAP-VM-EXIT 0")
        log(f"guest powered off cleanly; total {time.monotonic() - T0:.2f}s")
        ok = True
    except (Failure, OSError, ValueError) as e:  # ValueError: bad QMP JSON
        log(f"FAIL: {e!r}" if not isinstance(e, Failure) else f"FAIL: {e}")
    finally:
        for s in socks:
            s.close()
        if qemu is not None and qemu.poll() is None:
            qemu.kill()
            qemu.wait()
        if not ok or args.keep:
            try:
                print("---- guest console ----")
                print(open(console_path, "rb").read().decode("utf-8", "replace").rstrip())
                print("---- end of console ----")
            except OSError:
                pass
        if args.keep:
            print(f"work dir kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
