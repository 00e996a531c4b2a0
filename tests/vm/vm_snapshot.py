#!/usr/bin/env python3
"""QEMU end-to-end test of the capture wire (issue 6; docs/VM-TESTS.md).

The test guest boots under TCG with ktsnap.mode=request: its /init runs
guest_request (the guest client through its C ABI, linked static), which
sends snapshot requests over the virtio-console port org.ktsnap.wire. On the
host, `ktsnap serve` is connected to the port's chardev socket and to
QEMU's first QMP monitor; for each capture it pauses the VM (QMP stop),
runs its --hook, captures a live BPF map pinned here with bpftool, resumes
the VM (cont), stores the report, publishes it to a ring, writes it to
--out and replies.

Checked:
- the guest: every request got the expected outcome (OK for the captures,
  among them a 70-byte tag; ERR with the host's reason for the watch
  request, which this host does not support), ids 1..N in order, and /init
  reported KTSNAP-VM-EXIT 0;
- the hook: on QEMU's second QMP monitor, query-status said "paused" during
  every capture (this script in --hook-check mode);
- the host: one log line per request, the summary, one report file per
  capture (the 70-byte tag cut to 64 bytes), each opening with its tag and
  holding the pinned map's entries;
- the ring: a `ktsnap ring tail` consumer received every stored report, in
  order;
- the VM is running again after the last capture (it powered off by
  itself).

  vm_snapshot.py --kernel K --initrd I --ktsnap KTSNAP [--skip-reason R]

Exit 0 pass, 1 fail, 77 skip (the reason printed; a failure instead with
KTSNAP_VM_REQUIRED=1). Needs root and bpftool for the live map.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

from vmlib import Failure, Guest, die_with_parent, log, parse_args, skip, T0

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import pycheck  # noqa: E402
from pycheck import check  # noqa: E402

TAG70 = "t70_" + "".join(chr(ord("a") + i % 26) for i in range(66))
# (tag, kind, expected outcome)
REQUESTS = [
    ("after_spawn", "capture", "ok"),
    ("mid_run", "capture", "ok"),
    (TAG70, "capture", "ok"),
    ("scx_watchdog_timeout", "watch", "host-error"),
    ("before_exit", "capture", "ok"),
]
CAPTURES = [t[:64] for t, k, _ in REQUESTS if k == "capture"]



def qmp_query_status(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    f = s.makefile("rw")
    json.loads(f.readline())  # greeting
    f.write('{"execute": "qmp_capabilities"}\n')
    f.flush()
    f.write('{"execute": "query-status"}\n')
    f.flush()
    replies = 0
    while True:
        m = json.loads(f.readline())
        if "event" in m:
            continue
        if "error" in m:
            raise Failure("QMP error %r" % m["error"])
        replies += 1
        if replies == 2:
            s.close()
            return m["return"]


def hook_check(monitor, logfile):
    """--hook: record the VM's state as QMP's second monitor reports it; exit
    0 only when it is paused."""
    tag = os.environ.get("KTSNAP_TAG", "?")
    try:
        st = qmp_query_status(monitor)
        status, running = st.get("status"), st.get("running")
    except Exception as e:  # the hook must say what went wrong, never hang
        status, running = "error:%r" % e, None
    with open(logfile, "a") as f:
        f.write("%s %s %s\n" % (tag, status, running))
    sys.exit(0 if status == "paused" and running is False else 1)


def wait_path(path, deadline, what):
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise Failure("%s never appeared" % what)
        time.sleep(0.02)


def run(args, bpftool, work):
    k = args.ktsnap
    pin = "/sys/fs/bpf/ktsnap_vm_e2e_%d" % os.getpid()
    name = "kvme%d" % (os.getpid() % 100000)
    r = subprocess.run([bpftool, "map", "create", pin, "type", "hash", "key", "4", "value", "8",
                        "entries", "16", "name", name], capture_output=True, text=True)
    if r.returncode != 0:
        raise Failure("bpftool map create: " + r.stderr.strip())
    ring = "ktsnap-vm-e2e-%d" % os.getpid()
    serve = tail = None
    try:
        for key in (7, 8):
            subprocess.run([bpftool, "map", "update", "pinned", pin, "key", str(key), "0", "0", "0",
                            "value", str(key * 11), "0", "0", "0", "0", "0", "0", "0"], check=True)
        subprocess.run([k, "ring", "rm", ring], capture_output=True)
        subprocess.run([k, "ring", "create", ring, "--size", "8M"], check=True, capture_output=True)
        tail_out = os.path.join(work, "tail.out")
        tail = subprocess.Popen([k, "ring", "tail", ring, "--count", str(len(CAPTURES)), "--summary",
                                 "--timeout", "120"], stdout=open(tail_out, "w"), stderr=subprocess.STDOUT,
                                preexec_fn=die_with_parent)
        deadline = time.monotonic() + 10
        while "following" not in open(tail_out).read():
            if time.monotonic() > deadline:
                raise Failure("ring tail did not start: " + open(tail_out).read())
            time.sleep(0.05)

        reqs = ",".join("%s:%s" % (t, kind) for t, kind, _ in REQUESTS)
        deadline = T0 + args.timeout
        with Guest(args.kernel, args.initrd, append="ktsnap.mode=request ktsnap.req=" + reqs,
                   qmp_monitors=("qmp", "check"), keep=args.keep) as g:
            out_dir = os.path.join(work, "out")
            hook_log = os.path.join(work, "hook.log")
            serve_out = os.path.join(work, "serve.out")
            for m, p in g.qmp_paths.items():
                wait_path(p, deadline, "QMP socket " + m)
            wait_path(g.wire_path, deadline, "the chardev socket")
            hook = "%s %s --hook-check %s %s" % (sys.executable, os.path.abspath(__file__),
                                                 g.qmp_paths["check"], hook_log)
            serve = subprocess.Popen([k, "serve", "--socket", g.wire_path, "--qmp", g.qmp_paths["qmp"],
                                      "--capture", "--pinned", pin, "--ring", ring, "--out", out_dir,
                                      "--hook", hook], stdout=open(serve_out, "w"), stderr=subprocess.STDOUT,
                                     preexec_fn=die_with_parent)
            log("ktsnap serve started (pid %d)" % serve.pid)
            try:
                console = g.wait_poweroff(deadline)
            except Failure as e:
                check("guest powers off with KTSNAP-VM-EXIT 0", False, str(e))
                console = g.console()
            else:
                check("guest powers off with KTSNAP-VM-EXIT 0", True)
            log("guest done")
            try:
                rc = serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                serve.kill()
                rc = None
            serve_text = open(serve_out).read()
            print("---- ktsnap serve ----\n" + serve_text.rstrip() + "\n---- end ----")
            check("serve exits 0 when QEMU closes the port", rc == 0, "exit %r" % rc)

            # The guest's view.
            lines = [l.strip() for l in console.splitlines() if l.startswith("KTSNAP-REQ ")]
            results = [l for l in lines if " tag=" in l]
            check("guest printed one result per request", len(results) == len(REQUESTS), "\n".join(lines))
            for i, (tag, kind, want) in enumerate(REQUESTS):
                line = results[i] if i < len(results) else ""
                check("guest: %s request %s... id %d -> %s" % (kind, tag[:16], i + 1, want),
                      line.startswith("KTSNAP-REQ tag=%s id=%d outcome=%s " % (tag, i + 1, want)), line)
            watch = [l for l in results if "outcome=host-error" in l]
            check("guest: the watch ERR carries the host's reason",
                  len(watch) == 1 and "does not support watch" in watch[0], repr(watch))
            check("guest: done replies=%d of %d" % (len(REQUESTS), len(REQUESTS)),
                  "KTSNAP-REQ done replies=%d of %d" % (len(REQUESTS), len(REQUESTS)) in lines, "\n".join(lines))
            g.ok = pycheck.failed == 0

        # The host's view.
        hooks = open(hook_log).read().splitlines() if os.path.exists(hook_log) else []
        check("hook ran once per capture, each time QMP said paused",
              hooks == ["%s paused False" % t for t in CAPTURES], repr(hooks))
        for tag in CAPTURES:
            check("serve logged %s... ok" % tag[:16],
                  ('tag="%s" ok' % tag) in serve_text and "kind=capture" in serve_text, serve_text[-400:])
        check("serve logged the watch as err", 'kind=watch tag="scx_watchdog_timeout" err' in serve_text,
              serve_text[-400:])
        summary = [l for l in serve_text.splitlines() if l.startswith("serve: ")]
        check("serve summary: 5 requests, 4 ok, 1 err",
              len(summary) == 1 and "%d requests (%d ok, 1 err, 0 busy)" % (len(REQUESTS), len(CAPTURES))
              in summary[0], repr(summary))
        names = sorted(os.listdir(out_dir)) if os.path.isdir(out_dir) else []
        check("one report file per capture (70-byte tag cut to 64)",
              names == sorted("ktsnap.snapshot.%s.ktsnap" % t for t in CAPTURES), repr(names))
        for tag in CAPTURES:
            p = os.path.join(out_dir, "ktsnap.snapshot.%s.ktsnap" % tag)
            r = subprocess.run([k, "json", p], capture_output=True, text=True)
            check("report %s... opens with its tag" % tag[:16], r.returncode == 0 and '"%s"' % tag in r.stdout,
                  r.stderr[:200])
            entries = {}
            try:
                doc = json.loads(r.stdout)
                for m in doc.get("maps", []):
                    if m.get("name") == name:
                        entries = {e["key_hex"]: e["value_hex"] for e in m.get("entries", [])}
            except ValueError:
                pass
            check("report %s... holds the live map's two entries" % tag[:16],
                  entries == {"07 00 00 00": "4d 00 00 00 00 00 00 00", "08 00 00 00": "58 00 00 00 00 00 00 00"},
                  repr(entries))
        try:
            trc = tail.wait(timeout=30)
        except subprocess.TimeoutExpired:
            tail.kill()
            trc = None
        ttext = open(tail_out).read()
        got = [l.split('"')[1] for l in ttext.splitlines() if l.startswith("seq ")]
        check("ring consumer received every capture, in order", trc == 0 and got == CAPTURES,
              "rc %r, %r\n%s" % (trc, got, ttext))
    finally:
        for p in (serve, tail):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        if os.path.exists(pin):
            os.unlink(pin)
        subprocess.run([k, "ring", "rm", ring], capture_output=True)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--hook-check":
        hook_check(sys.argv[2], sys.argv[3])
    args, rc = parse_args(120.0, extra=("--ktsnap",))
    if rc is not None:
        return rc
    if os.geteuid() != 0:
        return skip("not root: ktsnap serve captures a live BPF map")
    bpftool = shutil.which("bpftool") or ("/usr/sbin/bpftool" if os.path.exists("/usr/sbin/bpftool") else None)
    if not bpftool:
        return skip("bpftool missing (scripts/install-deps.sh installs it)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    work = os.path.join(os.environ.get("TMPDIR", "/tmp"), "ktsnap-vm-e2e-%d" % os.getpid())
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    try:
        run(args, bpftool, work)
    except (Failure, OSError, ValueError, subprocess.CalledProcessError) as e:
        check("harness", False, "%s: %s" % (type(e).__name__, e))
    finally:
        if pycheck.failed == 0 and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work dir kept: " + work)
    log("total %.1fs" % (time.monotonic() - T0))
    return pycheck.summary()


if __name__ == "__main__":
    sys.exit(main())
