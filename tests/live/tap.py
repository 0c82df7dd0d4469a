"""tap.py: what the live tests' embedded Python checks with (lib.sh puts
this directory on PYTHONPATH). TAP lines without numbers, so the checks of
a test's shell and of its several Python blocks need no shared counter."""
import json
import sys


def check(cond, what, detail=None):
    """Prints "ok - what" or "not ok - what"; a failure also prints detail
    as a comment and ends the test."""
    print(f"{'ok' if cond else 'not ok'} - {what}")
    if not cond:
        if detail is not None:
            print(f"#   {detail}")
        sys.exit(1)


def ndjson(path):
    """The JSON objects of an NDJSON file, one per non-empty line."""
    return [json.loads(l) for l in open(path, "rb").read().split(b"\n") if l]
