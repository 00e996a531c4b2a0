#!/usr/bin/env python3
"""`ktsnap serve --plugin` driven by a tiny guest (the frame helpers of
tests/wire/serve_compat.py): the replay plugin answers two requests OK and
writes the replayed reports; a plugin whose capture fails answers ERR with
its reason, twice, and serve keeps running until the guest closes.

  plugin_serve.py KTSNAP REPLAY_SO FAILING_SO REPORT WORKDIR
"""
import os
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wire"))
import serve_compat as sc  # noqa: E402
import pycheck  # noqa: E402 (on the path through serve_compat)
from pycheck import check  # noqa: E402

OK, ERR = sc.OK, sc.ERR


def serve(ktsnap, work, name, plugin_args, requests):
    """Starts serve with the plugin, sends (id, tag) requests, returns (replies, exit code, stdout)."""
    sock_path = os.path.join(work, name + ".sock")
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(sock_path)
    lsock.listen(1)
    out_path = os.path.join(work, name + ".out")
    proc = subprocess.Popen([ktsnap, "serve", "--socket", sock_path, "--out", os.path.join(work, name)] + plugin_args,
                            stdout=open(out_path, "w"), stderr=subprocess.STDOUT)
    replies = []
    try:
        lsock.settimeout(20)
        conn, _ = lsock.accept()
        for rid, tag in requests:
            conn.sendall(sc.frame(sc.SNRQ, sc.snrq(rid, 1, tag)))
            rep, why = sc.read_reply(conn)
            replies.append(rep if rep is not None else why)
        conn.close()
        rc = proc.wait(timeout=20)
    except Exception as e:  # noqa: BLE001 - any failure is a failed check, with the reason
        proc.kill()
        rc = "error: %r" % e
    return replies, rc, open(out_path).read()


def main():
    ktsnap, replay, failing, report, work = sys.argv[1:6]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    replies, rc, out = serve(ktsnap, work, "replay", ["--plugin", replay, "--plugin-arg", report],
                             [(1, b"p-one"), (2, b"p-two")])
    check("replay: both requests answered OK",
          [r[:2] if isinstance(r, tuple) else r for r in replies] == [(1, OK), (2, OK)], repr(replies))
    check("replay: serve names the plugin and exits 0", rc == 0 and "with plugin 'replay'" in out, "%r %s" % (rc, out))
    for tag in ("p-one", "p-two"):
        path = os.path.join(work, "replay", "ktsnap.snapshot.%s.ktsnap" % tag)
        r = subprocess.run([ktsnap, "query", path, "--map", "kt_tasks", "--count", "tid > 0"],
                           capture_output=True, text=True)
        check("replay: %s written, opens, holds the replayed kt_tasks" % tag,
              r.returncode == 0 and r.stdout.strip() == "16", r.stdout + r.stderr)

    replies, rc, out = serve(ktsnap, work, "failing", ["--plugin", failing], [(7, b"f1"), (8, b"f2")])
    ok = len(replies) == 2 and all(isinstance(r, tuple) and r[1] == ERR and b"device went away" in r[2]
                                   for r in replies)
    check("failing capture: ERR with the plugin's reason, twice", ok, repr(replies))
    check("failing capture: serve keeps running, exits 0 when the guest closes",
          rc == 0 and "2 requests (0 ok, 2 err" in out, "%r %s" % (rc, out))
    print("serve-plugin: %d passed" % pycheck.passed)
    print("serve-plugin: %d failed" % pycheck.failed)
    sys.exit(0 if pycheck.failed == 0 else 1)


if __name__ == "__main__":
    main()
