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
import signal
import sys
import time

from vmlib import Failure, Guest, Lines, Qmp, connect_unix, log, parse_args, T0

ROUNDS = 3
PAUSE_ROUND = 2


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
    args, rc = parse_args(60.0)
    if rc is not None:
        return rc

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    deadline = T0 + args.timeout
    socks = []
    with Guest(args.kernel, args.initrd, keep=args.keep) as g:
        try:
            qmp_sock = connect_unix(g.qmp_paths["qmp"], g.qemu, deadline, "QMP")
            socks.append(qmp_sock)
            qmp = Qmp(qmp_sock, deadline)
            wire_sock = connect_unix(g.wire_path, g.qemu, deadline, "the chardev socket")
            socks.append(wire_sock)
            exchange(Lines(wire_sock, deadline, "wire"), qmp)
            log("exchange done; waiting for the guest to power off")
            g.wait_poweroff(deadline)
            log(f"guest powered off cleanly; total {time.monotonic() - T0:.2f}s")
            g.ok = True
        except (Failure, OSError, ValueError) as e:  # ValueError: bad QMP JSON
            log(f"FAIL: {e!r}" if not isinstance(e, Failure) else f"FAIL: {e}")
        finally:
            for s in socks:
                s.close()
    return 0 if g.ok else 1


if __name__ == "__main__":
    sys.exit(main())
