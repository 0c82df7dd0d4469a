#!/usr/bin/env bash
# Live: process telemetry end to end. Runs real commands while recording and
# checks the NDJSON and the SQLite rows: exe, exact argv, cwd, lineage back
# to a process that predates the recorder, exit codes, one process for
# an exec from a non-leader thread, and execs that hide their file: from a
# memfd (exe memfd:NAME, exe_memfd), by execveat (syscall execveat, not the
# execve x86-64 rewrites it to), of an unlinked file (exe_deleted), and
# the same flags on processes that were running before the recorder. Its
# config names no rules: the start warning, health rules_enabled = 0 and
# rgq health say so.
source "$(dirname "$0")/lib.sh"
live_require
live_tap

MARK="rgmark$$_$RANDOM"
WORK="$T/work dir"
mkdir -p "$WORK"

OPS=$RG_BUILD_DIR/exec_ops
# Running before the recorder: it finds them in /proc, whose exe link says
# "/memfd:NAME (deleted)" and "PATH (deleted)".
"$OPS" memfd "$MARK-pre" /bin/sleep 60 &
PRE_MEMFD=$!
"$OPS" unlinked "$WORK/$MARK-pregone" /bin/sleep 60 &
PRE_GONE=$!
trap 'kill $PRE_MEMFD $PRE_GONE 2>/dev/null; cleanup' EXIT
for _ in $(seq 50); do
	[[ $(readlink /proc/$PRE_MEMFD/exe) == *memfd* && ! -e "$WORK/$MARK-pregone" &&
	   $(readlink /proc/$PRE_GONE/exe) == *deleted* ]] && break
	sleep 0.1
done

rg_start
# The shell forks echo (two commands), so echo's parent is this sh, whose
# parent is this test's bash, which started before the recorder.
(cd "$WORK" && sh -c "/bin/echo $MARK 'two words' 'q\"uote' ''; exit 7" >/dev/null) || true
"$RG_BUILD_DIR/thread_exec" /bin/echo "$MARK-thread" >/dev/null
"$OPS" memfd "$MARK-mem" /bin/echo "$MARK-memfd" >/dev/null
"$OPS" execveat /bin/echo "$MARK-execveat" >/dev/null
"$OPS" unlinked "$WORK/$MARK-gone" /bin/echo "$MARK-unlinked" >/dev/null
sleep 0.5
rg_stop
ok "recorder started and stopped cleanly"

python3 - "$T" "$MARK" "$(realpath /bin/echo)" "$WORK" "$$" "$PRE_MEMFD" "$PRE_GONE" <<'PY'
import json, sqlite3, sys
T, MARK, ECHO, WORK, TEST_PID, PRE_MEMFD, PRE_GONE = sys.argv[1:8]
from tap import check, check_eq

lines = open(f"{T}/events.ndjson", "rb").read().split(b"\n")
events = [json.loads(l) for l in lines if l]
check(all(isinstance(e, dict) for e in events), "every NDJSON line is one JSON object")
argv = [MARK, "two words", 'q"uote', ""]
echo = [e for e in events if e["event_type"] == "process_start" and e["argv"][1:] == argv]
check(len(echo) == 1, "NDJSON: exactly one exec of the marked echo")
e = echo[0]
check(e["exe"] == ECHO, f"NDJSON: absolute exe {e['exe']}")
check_eq(e["argv"], ["/bin/echo"] + argv, "NDJSON: exact argv")
check(e["cwd"] == WORK, f"NDJSON: cwd {e['cwd']}")
check_eq(e["syscall"], "execve", "NDJSON: syscall execve")
check_eq(e["argc"], 5, "NDJSON: argc")

db = sqlite3.connect(f"file:{T}/rg.db?mode=ro", uri=True)
check(db.execute("PRAGMA journal_mode").fetchone()[0] == "wal", "database is in WAL mode")
row = db.execute("SELECT seq, exe, argv, cwd, proc_id, parent_proc_id FROM process_events "
                 "WHERE event_type='process_start' AND seq=?", (e["seq"],)).fetchone()
check(row is not None, "SQLite: the same exec by seq")
seq, exe, blob, cwd, echo_id, sh_id = row
check(exe == ECHO and cwd == WORK, "SQLite: exe and cwd")
check(blob == b"\0".join(x.encode() for x in ["/bin/echo"] + argv) + b"\0", "SQLite: argv bytes exact")
check(echo_id == e["proc_id"] and sh_id == e["parent_proc_id"], "SQLite and NDJSON agree on ids")

sh = db.execute("SELECT comm, exit_code, pid FROM processes WHERE proc_id=?", (sh_id,)).fetchone()
check(sh is not None and sh[0] == "sh", "parent_proc_id is the sh process")
check(sh[1] == 7, f"sh exit code 7 (got {sh[1]})")
ec = db.execute("SELECT exit_code, signal FROM processes WHERE proc_id=?", (echo_id,)).fetchone()
check_eq(ec, (0, 0), "echo exit code 0")
ex = [x for x in events if x["event_type"] == "process_exit" and x["proc_id"] == sh_id]
check(len(ex) == 1 and ex[0]["exit_code"] == 7, "NDJSON: one process_exit for sh with code 7")

chain = db.execute("""WITH RECURSIVE up(id, pid, src, depth) AS (
    SELECT proc_id, pid, source, 0 FROM processes WHERE proc_id=?
    UNION ALL
    SELECT p.proc_id, p.pid, p.source, depth+1 FROM processes p JOIN up ON p.proc_id =
      (SELECT parent_proc_id FROM processes WHERE proc_id = up.id))
  SELECT pid, src FROM up ORDER BY depth""", (echo_id,)).fetchall()
pids = [c[0] for c in chain]
check(int(TEST_PID) in pids, f"ancestry reaches this test's shell {TEST_PID}: {pids}")
check(dict(chain)[int(TEST_PID)] == "proc", "that shell predates the recorder (loaded from /proc)")
check(pids[-1] == 1, "ancestry ends at pid 1")

th = [x for x in events if x["event_type"] == "process_start" and x["argv"][1:] == [MARK + "-thread"]]
check(len(th) == 1, "thread exec: one exec event")
rows = db.execute("SELECT COUNT(*), MIN(source), MIN(proc_id) FROM processes WHERE pid=?",
                  (th[0]["pid"],)).fetchone()
check(rows == (1, "fork", th[0]["proc_id"]), f"thread exec: one process, the forked one (got {rows})")
check(th[0]["tid"] == th[0]["pid"], "thread exec: the exec'ing thread became the leader")
check(th[0]["syscall"] == "execve", "thread exec: syscall execve, noted under the calling thread")

def start(arg):
    s = [x for x in events if x["event_type"] == "process_start" and x["argv"][1:] == [arg]]
    check(len(s) == 1, f"{arg}: one exec event")
    return s[0] if s else {}
def stored(ev):
    return db.execute("SELECT e.exe, e.syscall, e.exe_memfd, e.exe_deleted, p.exe, p.exe_memfd, "
                      "p.exe_deleted FROM process_events e JOIN processes p USING (proc_id) "
                      "WHERE e.seq = ?", (ev.get("seq"),)).fetchone()
plain = (e["exe_memfd"], e["exe_deleted"])
check_eq(plain, (False, False), "a plain exec: neither memfd nor deleted")
check(stored(e)[2:4] == (0, 0) and stored(e)[5:] == (0, 0), "SQLite: a plain exec's flags are 0")
m = start(MARK + "-memfd")
got = (m.get("exe"), m.get("exe_memfd"), m.get("exe_deleted"), m.get("syscall"))
check(got == (f"memfd:{MARK}-mem", True, False, "execveat"),
      f"memfd + fexecve: exe memfd:NAME, exe_memfd, syscall execveat {got}")
got = stored(m)
check(got == (f"memfd:{MARK}-mem", "execveat", 1, 0, f"memfd:{MARK}-mem", 1, 0),
      f"SQLite: the memfd exec's event and process row {got}")
a = start(MARK + "-execveat")
got = (a.get("exe"), a.get("syscall"), a.get("exe_memfd"), a.get("exe_deleted"))
check(got == (ECHO, "execveat", False, False), f"execveat by fd: syscall execveat {got}")
check(stored(a)[:4] == (ECHO, "execveat", 0, 0), f"SQLite: execveat {stored(a)}")
u = start(MARK + "-unlinked")
gone = f"{WORK}/{MARK}-gone"
got = (u.get("exe"), u.get("exe_deleted"), u.get("exe_memfd"), u.get("syscall"))
check(got == (gone, True, False, "execve"),
      f"exec of an unlinked file via /proc/self/fd: its old path, exe_deleted {got}")
check(stored(u) == (gone, "execve", 0, 1, gone, 0, 1), f"SQLite: the unlinked exec {stored(u)}")

pre = db.execute("SELECT exe, exe_memfd, exe_deleted, source FROM processes WHERE pid = ? "
                 "ORDER BY proc_id DESC LIMIT 1", (int(PRE_MEMFD),)).fetchone()
check(pre == (f"memfd:{MARK}-pre", 1, 0, "proc"), f"from /proc: a memfd process {pre}")
pre = db.execute("SELECT exe, exe_memfd, exe_deleted, source FROM processes WHERE pid = ? "
                 "ORDER BY proc_id DESC LIMIT 1", (int(PRE_GONE),)).fetchone()
check(pre == (f"{WORK}/{MARK}-pregone", 0, 1, "proc"), f"from /proc: an unlinked image {pre}")
named = db.execute("SELECT exe_memfd, exe_deleted FROM processes WHERE pid = ?",
                   (int(TEST_PID),)).fetchone()
check(named == (0, 0), f"from /proc: this test's shell has neither flag {named}")

health = [x for x in events if x["event_type"] == "health"]
check(len(health) >= 1 and health[-1]["kernel_drops"] == 0, "health rows written, no kernel drops")
check(db.execute("SELECT COUNT(*) FROM health").fetchone()[0] == len(health), "health rows in both outputs")
check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity_check ok")
PY

# This config names no rules: said at start, and in every health row.
check_re "a run without rules: WARNING at start" "$(grep WARNING "$T/stderr" || true)" \
	'WARNING: no detection rules enabled \(no rules directory'
check_re "a run without rules: every health row has rules_enabled = 0" \
	"$(sql "SELECT count(*), max(rules_enabled) FROM health")" '^[1-9][0-9]*[|]0$'
check_re "a run without rules: rgq health warns" \
	"$("$RG_BUILD_DIR/rgq" --db "$T/rg.db" health 2>&1 >/dev/null || true)" \
	'WARNING: run 1 recorded without detection rules'
live_done
