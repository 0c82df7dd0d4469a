"""tap.py: what the live tests' embedded Python checks with (lib.sh puts
this directory on PYTHONPATH).

In a test that called live_tap (lib.sh), checks are numbered on from the
shell's, count their failures in its state file ($RG_TAP_STATE) and carry
on: the shell's live_done prints the plan and fails the test. Elsewhere a
failure ends the test at once, as before."""
import json
import os
import sys

STATE = os.environ.get("RG_TAP_STATE")


def _line(ok, what):
    """Prints one TAP line: numbered and counted under live_tap."""
    if not STATE:
        print(f"{'ok' if ok else 'not ok'} - {what}")
        return
    with open(STATE) as f:
        n, failed = (int(x) for x in f.read().split())
    n += 1
    failed += 0 if ok else 1
    with open(STATE, "w") as f:
        f.write(f"{n} {failed}\n")
    print(f"{'ok' if ok else 'not ok'} {n} - {what}", flush=True)


def check(cond, what, detail=None):
    """Prints "ok - what" or "not ok - what"; a failure also prints detail
    as a comment, and ends the test unless it runs under live_tap."""
    _line(bool(cond), what)
    if not cond:
        if detail is not None:
            print(f"#   {detail}")
        if not STATE:
            sys.exit(1)


def check_eq(got, want, what):
    """check(got == want), showing both on a failure."""
    check(got == want, what, f"got:  {got!r}\n#   want: {want!r}")


def ndjson(path):
    """The JSON objects of an NDJSON file, one per non-empty line."""
    return [json.loads(l) for l in open(path, "rb").read().split(b"\n") if l]
