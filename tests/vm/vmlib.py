"""Shared pieces of the QEMU test harnesses (tests/vm, docs/VM-TESTS.md).

Booting the test guest under TCG with a virtio-serial port on a unix-socket
chardev and one or more QMP monitors, line I/O with deadlines, a small QMP
client, and the skip rule: exit 77 with the reason, or a failure when
KTSNAP_VM_REQUIRED=1 (scripts/test.sh sets it, so CI cannot pass without
booting the guest). Standard library only.
"""
import argparse
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

PORT_NAME = "org.ktsnap.wire"
SKIP = 77
T0 = time.monotonic()


class Failure(Exception):
    pass


def log(text):
    print(f"[{time.monotonic() - T0:6.2f}s] {text}", flush=True)


def skip(reason):
    """The exit status for a test that cannot run here."""
    if os.environ.get("KTSNAP_VM_REQUIRED") == "1":
        print(f"FAIL (KTSNAP_VM_REQUIRED=1, would skip): {reason}")
        return 1
    print(f"SKIP: {reason}")
    return SKIP


def find_qemu():
    return os.environ.get("KTSNAP_QEMU") or shutil.which("qemu-system-x86_64")


def preflight(kernel, initrd, skip_reason):
    """None when the guest can boot, else the exit status to return."""
    if skip_reason:
        return skip(f"guest image {skip_reason}")
    if not find_qemu():
        return skip("no qemu-system-x86_64 (apt install qemu-system-x86; scripts/install-deps.sh)")
    if not os.path.isfile(kernel):
        return skip(f"no guest kernel {kernel} (scripts/install-deps.sh unpacks it)")
    if not os.path.isfile(initrd):
        print(f"FAIL: no initramfs {initrd} (is the build complete?)")
        return 1
    return None


def parse_args(timeout, extra=()):
    """The harnesses' common command line (--kernel, --initrd, --timeout,
    --skip-reason, --keep, plus `extra` option names that take a required
    value). Returns (args, None) when the guest can boot, else (args, the
    exit status to return)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    for name in extra:
        ap.add_argument(name, required=True)
    ap.add_argument("--timeout", type=float, default=timeout)
    ap.add_argument("--skip-reason", default="")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (console log)")
    args = ap.parse_args()
    return args, preflight(args.kernel, args.initrd, args.skip_reason)


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


def connect_unix(path, qemu, deadline, what):
    while True:
        if qemu is not None and qemu.poll() is not None:
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
    # Runs in the child before exec: SIGKILL it if the harness dies.
    PR_SET_PDEATHSIG = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except Exception:
        pass


class Guest:
    """One QEMU run of the test guest. Use as a context manager: QEMU is
    killed and the work dir removed (unless keep) on every path; the console
    is printed when the run failed or keep is set."""

    def __init__(self, kernel, initrd, append="", qmp_monitors=("qmp",), keep=False):
        self.work = tempfile.mkdtemp(prefix="ktsnap-vm-")
        self.keep = keep
        self.wire_path = os.path.join(self.work, "wire.sock")
        self.qmp_paths = {m: os.path.join(self.work, f"{m}.sock") for m in qmp_monitors}
        self.console_path = os.path.join(self.work, "console.log")
        self.cmd = [find_qemu(), "-accel", "tcg", "-m", "256", "-nographic", "-no-reboot",
                    "-nic", "none",
                    "-kernel", kernel, "-initrd", initrd,
                    "-append", ("console=ttyS0 panic=-1 quiet " + append).strip(),
                    "-device", "virtio-serial-pci",
                    "-chardev", f"socket,id=kt,path={self.wire_path},server=on,wait=off",
                    "-device", f"virtserialport,chardev=kt,name={PORT_NAME}"]
        for path in self.qmp_paths.values():
            self.cmd += ["-qmp", f"unix:{path},server=on,wait=off"]
        self.qemu = None
        self.ok = False

    def __enter__(self):
        with open(self.console_path, "wb") as console:
            self.qemu = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=console,
                                         stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        log(f"QEMU started (pid {self.qemu.pid})")
        return self

    def wait_for_socket(self, path, deadline, what):
        """Waits until QEMU listens on path (without connecting for good)."""
        connect_unix(path, self.qemu, deadline, what).close()

    def console(self):
        try:
            return open(self.console_path, "rb").read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_poweroff(self, deadline):
        """Waits for QEMU to exit; checks the guest's /init reported 0."""
        try:
            rc = self.qemu.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise Failure("the guest did not power off in time") from None
        text = self.console()
        if rc != 0:
            raise Failure(f"QEMU exited with {rc}")
        if "Kernel panic" in text:
            raise Failure("the guest kernel panicked")
        if "KTSNAP-VM-EXIT 0" not in text:
            raise Failure("the guest's /init did not report KTSNAP-VM-EXIT 0")
        return text

    def __exit__(self, *exc):
        if self.qemu is not None and self.qemu.poll() is None:
            self.qemu.kill()
            self.qemu.wait()
        if not self.ok or self.keep:
            print("---- guest console ----")
            print(self.console().rstrip())
            print("---- end of console ----")
        if self.keep:
            print(f"work dir kept: {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)
        return False
