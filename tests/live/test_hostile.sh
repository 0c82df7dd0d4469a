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

python3 - "$T/events.ndjson" "$T/rg.db" "$T/w" "$M" <<'PY' || fail "hostile input"
import json, sqlite3, sys
nd, db, w, m = sys.argv[1], sys.argv[2], sys.argv[3].encode(), sys.argv[4].encode()
odd = b'a\nb"c\\d\x1b[31m\xff\xfe-' + m

def unescape(s):  # the recorder's \udcXX for invalid bytes back to bytes
    return s.encode("utf-8", "surrogateescape")

raw = open(nd, "rb").read()
lines = raw.split(b"\n")
assert lines[-1] == b"", "the NDJSON ends with a newline"
events = [json.loads(l.decode("utf-8")) for l in lines[:-1]]  # strict UTF-8, every line JSON
print(f"# {len(events)} NDJSON lines, each one valid JSON object")

ex = [e for e in events if e["event_type"] == "process_start" and len(e.get("argv", [])) > 1
      and unescape(e["argv"][1]) == odd]
assert len(ex) == 1, f"the hostile exec: {len(ex)} events"
e = ex[0]
assert e["argv_truncated"] is True and e["argc"] == 4, (e["argv_truncated"], e["argc"])
assert unescape(e["argv"][2]).startswith(b"x" * 1000), "the long argument, cut"
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
con.text_factory = bytes  # the kernel's bytes, not necessarily UTF-8
blob, trunc, cmdline = con.execute(
    "SELECT argv, argv_truncated, cmdline FROM process_events WHERE seq = ?", (e["seq"],)).fetchone()
assert blob.startswith(b"/bin/true\0" + odd + b"\0xxxx") and len(blob) <= 4096, len(blob)
assert trunc == 1
assert cmdline.startswith(b"/bin/true " + odd + b" xxxx"), cmdline[:40]
# a bytes parameter binds as a BLOB: compare it as the TEXT the column holds
path = con.execute("SELECT path FROM file_events WHERE path = CAST(? AS TEXT)",
                   (w + b"/" + odd,)).fetchall()
assert len(path) >= 1, "the hostile file name, byte-exact in file_events"
nd_path = [x for x in events if x["event_type"].startswith("file_") and unescape(x["path"]) == w + b"/" + odd]
assert nd_path, "the hostile file name, byte-exact in NDJSON"

# comm spoofing: the child's parent is the process that forked it
con.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
spoof_pid = int(open(w + b"/spoof-" + m + b".pid").read())
child = con.execute("SELECT proc_id, parent_proc_id, ppid FROM process_events WHERE "
                    "event_type = 'process_start' AND cmdline = ?", ("true child-of-" + m.decode(),)).fetchone()
assert child, "the spoofing process's child"
parent = con.execute("SELECT pid, exe, comm FROM processes WHERE proc_id = ?", (child[1],)).fetchone()
assert parent[0] == spoof_pid and child[2] == spoof_pid, (parent, child, spoof_pid)
assert "python" in parent[1], parent
fork_comm = con.execute("SELECT comm FROM process_events WHERE event_type = 'process_relationship' "
                        "AND child_proc_id = ?", (child[0],)).fetchone()
assert fork_comm and fork_comm[0] == "sshd", f"the rename took effect at the fork: {fork_comm}"
others = con.execute("SELECT count(*) FROM processes WHERE exe LIKE '%sshd' AND proc_id = ?",
                     (child[1],)).fetchone()[0]
assert others == 0, "a renamed process is not taken for the real sshd"
print(f"# the child's parent is pid {parent[0]} ({parent[1]}), comm '{parent[2]}'")
PY
echo "ok - hostile argv and file names: valid single-line JSON, exact bytes, long argv cut and flagged"
echo "ok - a process renamed 'sshd' cannot borrow another parent: its child links to it by proc_id"

"$RG_BUILD_DIR/rgq" --db "$T/rg.db" events --type process_start --limit 0 >"$T/table" ||
	fail "rgq events"
rows=$(tail -n +2 "$T/table" | wc -l)
n=$(sql "SELECT count(*) FROM process_events WHERE event_type = 'process_start'")
[[ $rows == "$n" ]] || fail "rgq printed $rows lines for $n rows: a value broke a line"
grep -q 'a\\nb"c\\\\d\\x1b\[31m\\xff\\xfe' "$T/table" || fail "rgq does not show the bytes escaped"
echo "ok - rgq's table keeps each hostile row on one line, bytes shown escaped"
