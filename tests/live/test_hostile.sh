#!/usr/bin/env bash
# Live: hostile input end to end. A program run with arguments holding a
# newline, a quote, a backslash, an escape sequence, invalid UTF-8 and one
# argument longer than the argv limit; a file name with the same bytes; a
# process that renames itself "sshd" and forks. The NDJSON stays one valid
# JSON object per line, the rows hold the exact bytes (long argv cut and
# flagged), rgq prints each row on one line, and the renamed process's
# child is still linked to its real parent by proc_id.
source "$(dirname "$0")/lib.sh"
live_require
live_tap

M="rgh$$x$RANDOM"
mkdir -p "$T/w"
rg_config
rg_watch "$T/w"
rg_start
python3 - "$T/w" "$M" <<'PY'
import ctypes, os, subprocess, sys
w, m = sys.argv[1].encode(), sys.argv[2].encode()
odd = b'a\nb"c\\d\x1b[31m\xff\xfe-' + m
# a program run with hostile arguments, one of them 10000 bytes long
subprocess.run([b"/bin/true", odd, b"x" * 10000, b""], check=True)
# a file with a hostile name
with open(w + b"/" + odd, "wb") as f:
    f.write(b"x")
# comm spoofing: rename ourselves to sshd, then fork a child that execs
libc = ctypes.CDLL(None)
libc.prctl(15, ctypes.c_char_p(b"sshd"), 0, 0, 0)  # PR_SET_NAME
pid = os.fork()
if pid == 0:
    os.execv(b"/bin/true", [b"true", b"child-of-" + m])
os.waitpid(pid, 0)
with open(w + b"/spoof-" + m + b".pid", "w") as f:
    f.write(str(os.getpid()))
PY
sleep 1
rg_stop

python3 - "$T/events.ndjson" "$T/rg.db" "$T/w" "$M" <<'PY' || fail "the hostile input checks stopped"
import json, sqlite3, sys
from tap import check, check_eq
nd, db, w, m = sys.argv[1], sys.argv[2], sys.argv[3].encode(), sys.argv[4].encode()
odd = b'a\nb"c\\d\x1b[31m\xff\xfe-' + m

def unescape(s):  # the recorder's \udcXX for invalid bytes back to bytes
    return s.encode("utf-8", "surrogateescape")

def parse(line):  # strict UTF-8, one JSON object; else None
    try:
        return json.loads(line.decode("utf-8"))
    except ValueError:
        return None

raw = open(nd, "rb").read()
lines = raw.split(b"\n")
check(lines[-1] == b"", "the NDJSON ends with a newline")
events = [parse(l) for l in lines[:-1]]
check(all(isinstance(e, dict) for e in events),
      f"each of the {len(events)} NDJSON lines is one valid JSON object")
events = [e for e in events if isinstance(e, dict)]

ex = [e for e in events if e["event_type"] == "process_start" and len(e.get("argv", [])) > 1
      and unescape(e["argv"][1]) == odd]
check_eq(len(ex), 1, "the hostile exec: one event")
e = ex[0] if ex else {}
got = (e.get("argv_truncated"), e.get("argc"))
check(got[0] is True and got[1] == 4, "the long argv: flagged (true), argc 4", got)
check(ex and unescape(e["argv"][2]).startswith(b"x" * 1000), "the long argument, cut")
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
con.text_factory = bytes  # the kernel's bytes, not necessarily UTF-8
blob, trunc, cmdline = con.execute(
    "SELECT argv, argv_truncated, cmdline FROM process_events WHERE seq = ?",
    (e.get("seq"),)).fetchone() or (b"", None, b"")
check(blob.startswith(b"/bin/true\0" + odd + b"\0xxxx") and len(blob) <= 4096,
      "SQLite: argv, the exact bytes, cut to 4096", len(blob))
check_eq(trunc, 1, "SQLite: argv_truncated")
check(cmdline.startswith(b"/bin/true " + odd + b" xxxx"), "SQLite: cmdline, the exact bytes",
      cmdline[:40])
# a bytes parameter binds as a BLOB: compare it as the TEXT the column holds
path = con.execute("SELECT path FROM file_events WHERE path = CAST(? AS TEXT)",
                   (w + b"/" + odd,)).fetchall()
check(len(path) >= 1, "the hostile file name, byte-exact in file_events")
nd_path = [x for x in events if x["event_type"].startswith("file_") and unescape(x["path"]) == w + b"/" + odd]
check(nd_path, "the hostile file name, byte-exact in NDJSON")

# comm spoofing: the child's parent is the process that forked it
con.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
spoof_pid = int(open(w + b"/spoof-" + m + b".pid").read())
child = con.execute("SELECT proc_id, parent_proc_id, ppid FROM process_events WHERE "
                    "event_type = 'process_start' AND cmdline = ?", ("true child-of-" + m.decode(),)).fetchone()
check(child, "the spoofing process's child is recorded")
child = child or (None, None, None)
parent = con.execute("SELECT pid, exe, comm FROM processes WHERE proc_id = ?",
                     (child[1],)).fetchone() or (None, "", None)
check(parent[0] == spoof_pid and child[2] == spoof_pid,
      "a process renamed 'sshd': its child links to it by proc_id", (parent, child, spoof_pid))
check("python" in parent[1], "that parent is the python that forked", parent)
fork_comm = con.execute("SELECT comm FROM process_events WHERE event_type = 'process_relationship' "
                        "AND child_proc_id = ?", (child[0],)).fetchone()
check(fork_comm and fork_comm[0] == "sshd", "the rename took effect at the fork", fork_comm)
others = con.execute("SELECT count(*) FROM processes WHERE exe LIKE '%sshd' AND proc_id = ?",
                     (child[1],)).fetchone()[0]
check_eq(others, 0, "a renamed process is not taken for the real sshd")
print(f"# the child's parent is pid {parent[0]} ({parent[1]}), comm '{parent[2]}'")
PY

check_run "rgq events runs" "$T/table" "$RG_BUILD_DIR/rgq" --db "$T/rg.db" events --type process_start --limit 0
check_eq "rgq's table keeps each hostile row on one line (lines, rows)" \
	"$(tail -n +2 "$T/table" | wc -l)" \
	"$(sql "SELECT count(*) FROM process_events WHERE event_type = 'process_start'")"
check_num "rgq's table shows the bytes escaped" \
	"$(grep -c 'a\\nb"c\\\\d\\x1b\[31m\\xff\\xfe' "$T/table" || true)" '>=' 1
live_done
