#!/usr/bin/env bash
# Live: what an exec tells beyond its image. Failed execs (ENOENT, EACCES
# on a file without x, ENOEXEC on one the kernel cannot run, an execveat
# by fd, relative names joined to the working directory, a PATH search's
# ENOENT per directory) become process_exec_failed rows with the name
# tried, the error and the process's context. A #! script run directly and
# a script handed to sh have `script` (in process_events and processes),
# and the shipped SEQ-DROP-EXEC-001 joins both to their writes. The
# environment keeps only the names of [process] env, here set to
# LD_PRELOAD, SSH_CONNECTION and RG_TEST_VAR: a SUDO_USER (default list)
# is left out, and an environment of more than 256 variables is flagged
# env_truncated.
source "$(dirname "$0")/lib.sh"
live_require
live_tap

M="rgexec$$x$RANDOM"
WORK="$T/work"
mkdir -p "$WORK" "$T/rules.d"
cp "$RG_SOURCE_DIR"/config/rules.d/*.rules "$T/rules.d/"
OPS=$RG_BUILD_DIR/exec_ops
rg_config
rg_watch "$WORK"
printf '[process]\nenv = LD_PRELOAD, SSH_CONNECTION, RG_TEST_VAR\n[rules]\ndir = rules.d\n' \
	>>"$T/rg.ini"
printf 'not a program\n' >"$WORK/noexec"
printf '\x7fELF\x01\x01\x01garbage' >"$WORK/badelf"
chmod +x "$WORK/badelf"
rg_start

# failed execs, one execve each (Python raises instead of retrying)
python3 - "$WORK" "$M" <<'PY' || true
import os, sys
work, m = sys.argv[1:3]
os.chdir(work)
for name in [f"./{m}-missing", f"{work}/noexec", "badelf"]:
    try:
        os.execv(name, [name])
    except OSError:
        pass
PY
"$OPS" execveat "$WORK/noexec" 2>/dev/null || true
PATH=/usr/local/bin:/usr/bin:/bin env "$M-nocmd" 2>/dev/null || true

# scripts written while recording (drop location: under /tmp), then run
printf '#!/bin/sh\n: %s-direct\n' "$M" >"$WORK/run.sh"
chmod +x "$WORK/run.sh"
printf ': %s-arg\n' "$M" >"$WORK/plain.sh"
(cd "$WORK" && ./run.sh && sh ./plain.sh)

# the environment
env -i LD_PRELOAD=/nonexistent.so "SSH_CONNECTION=10.0.0.1 5555 10.0.0.2 22" SUDO_USER=alice \
	RG_TEST_VAR=x /bin/echo "$M-env" >/dev/null 2>&1
env -i $(for i in $(seq 300); do printf 'V%d=x ' "$i"; done) RG_TEST_VAR=late \
	/bin/echo "$M-many" >/dev/null
sleep 0.5
rg_stop
ok "recorder started and stopped cleanly"

python3 - "$T" "$M" "$WORK" "$(realpath /bin/sh)" <<'PY'
import json, sqlite3, sys
T, M, WORK, SH = sys.argv[1:5]
from tap import check, check_eq

events = [json.loads(l) for l in open(f"{T}/events.ndjson", "rb").read().split(b"\n") if l]
db = sqlite3.connect(f"file:{T}/rg.db?mode=ro", uri=True)
failed = [e for e in events if e["event_type"] == "process_exec_failed"]

def one(path):
    got = [e for e in failed if e["path"] == path and e["syscall"] == "execve"]
    check(len(got) == 1, f"one failed exec of {path}", [e["path"] for e in failed][-20:])
    return got[0] if got else {}

def row(seq):
    return db.execute("SELECT event_type, path, result, syscall, proc_id IS NOT NULL, "
                      "path_truncated FROM process_events WHERE seq = ?", (seq,)).fetchone()

for name, want in [(f"{WORK}/{M}-missing", -2), (f"{WORK}/noexec", -13), (f"{WORK}/badelf", -8)]:
    e = one(name)
    check_eq((e.get("result"), e.get("syscall"), e.get("proc_id") is not None),
             (want, "execve", True), f"NDJSON: {name}: error, syscall, the process's context")
    check_eq(row(e.get("seq")), ("process_exec_failed", name, want, "execve", 1, 0),
             f"SQLite: the failed exec of {name}")
e = [x for x in failed if x["path"] == f"{WORK}/noexec" and x["syscall"] == "execveat"]
check(len(e) == 1 and e[0]["result"] == -13, "execveat(fd, \"\", AT_EMPTY_PATH): the fd's path")
search = [x["path"] for x in failed if x["path"].endswith(f"/{M}-nocmd")]
check_eq(search, [f"{d}/{M}-nocmd" for d in ["/usr/local/bin", "/usr/bin", "/bin"]],
         "a PATH search: one ENOENT per directory, in order")

def start(word):
    got = [x for x in events if x["event_type"] == "process_start" and word in x["argv"]
           and x["argv"][0] != "env"]
    check(len(got) == 1, f"one exec with {word}")
    return got[0] if got else {}

def proc(e):
    return db.execute("SELECT script, env, script_truncated, env_truncated FROM processes "
                      "WHERE proc_id = ?", (e.get("proc_id"),)).fetchone()

d = start("./run.sh")
check_eq((d.get("exe"), d.get("script")), (SH, f"{WORK}/run.sh"), "#! script: exe the interpreter, script the file")
check_eq(proc(d), (f"{WORK}/run.sh", None, 0, 0), "SQLite processes: the #! script")
a = start("./plain.sh")
check_eq((a.get("exe"), a.get("script")), (SH, f"{WORK}/plain.sh"), "sh ./plain.sh: the script argument, from cwd")
check_eq(db.execute("SELECT script FROM process_events WHERE seq = ?", (a.get("seq"),)).fetchone(),
         (f"{WORK}/plain.sh",), "SQLite process_events: the script argument")

v = start(f"{M}-env")
want = ["LD_PRELOAD=/nonexistent.so", "SSH_CONNECTION=10.0.0.1 5555 10.0.0.2 22", "RG_TEST_VAR=x"]
check_eq((v.get("env"), v.get("env_truncated")), (want, False), "env: the allow-listed variables, in order; not SUDO_USER")
blob = "".join(x + "\0" for x in want).encode()
check_eq(proc(v), (None, blob, 0, 0), "SQLite processes: env as NUL-terminated bytes")
check_eq(db.execute("SELECT env FROM process_events WHERE seq = ?", (v.get("seq"),)).fetchone(),
         (blob,), "SQLite process_events: env")
many = start(f"{M}-many")
check_eq((many.get("env"), many.get("env_truncated")), (None, True),
         "more than 256 variables: the scan stops, env_truncated")
alerts = db.execute("SELECT rule_id, event_seq FROM alerts WHERE rule_id = 'SEQ-DROP-EXEC-001'").fetchall()
check_eq(sorted(s for _, s in alerts), sorted([d.get("seq"), a.get("seq")]),
         "SEQ-DROP-EXEC-001 on the #! script and on sh ./plain.sh")
check(db.execute("SELECT count(*) FROM alerts a JOIN process_events e ON e.seq = a.event_seq "
                 "WHERE e.event_type = 'process_exec_failed'").fetchone()[0] == 0,
      "no alert on a failed exec")
check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity_check ok")
PY
live_done
