"""Check counting for the Python test scripts (tests/wire, tests/cli,
tests/vm): one "ok   NAME" or "FAIL NAME: DETAIL" line per check, and the
counts behind the "N passed, N failed" line that scripts/test.sh reads from
ctest's log. A script imports this module once and reads pycheck.passed and
pycheck.failed at the end."""

passed = 0
failed = 0


def check(name, cond, detail=""):
    """Counts one check and prints its line; returns whether it passed."""
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name, flush=True)
    else:
        failed += 1
        print("FAIL " + name + (": " + detail if detail else ""), flush=True)
    return bool(cond)


def summary():
    """Prints "N passed, N failed"; returns the exit status (0 when none failed)."""
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 0 if failed == 0 else 1
