#!/usr/bin/env bash
# Live: rgq import of the real recorder's NDJSON. The recorder runs with
# rules that this test's activity triggers (a marker file written, a
# program run from /dev/shm under a parent whose command line names the
# marker), a file name that is not UTF-8, an exit status and a kill; its
# NDJSON imported must give the rows it stored (every column of every
# event table, alerts, health, gaps), the processes its process table made
# as far as the lines carry them, and `rgq replay` the same alerts on both.
source "$(dirname "$0")/lib.sh"
live_require
live_tap

M="rg$$i$RANDOM"
mkdir -p "$T/rules.d" "$T/w"
trap 'rm -f /dev/shm/$M-true; cleanup' EXIT
cp "$RG_SOURCE_DIR"/config/rules.d/*.rules "$T/rules.d/"
cat >"$T/rules.d/50-local.rules" <<RULES
[rule "LOCAL-IMP-MARK"]
name = marker file written
severity = low
events = file_write
match = path glob *.$M-mark

[rule "LOCAL-IMP-LINEAGE"]
name = program from /dev/shm whose parent names the marker
severity = medium
events = process_start
match = exe prefix /dev/shm
match = parent_cmdline contains $M-parent
RULES
rg_config
cat >>"$T/rg.ini" <<INI
[rules]
dir = rules.d
INI
rg_watch "$T/w"

rg_start
echo hit >"$T/w/a.$M-mark"
echo odd >"$T/w/"$'bad\xff\x01name.'"$M-mark"   # not UTF-8, a control byte
cp /bin/true "/dev/shm/$M-true"
bash -c "/dev/shm/$M-true $'\xfe'; : $M-parent"
bash -c 'exit 3' || true
sleep 30 &
kill -9 $! && wait $! 2>/dev/null || true
sleep 1.5 # a health row or two
rg_stop

check_num "the recorder raised the test's alerts" \
	"$(sql "SELECT count(*) FROM alerts WHERE rule_id LIKE 'LOCAL-IMP-%'")" '>=' 3
check_run "rgq import of the recorder's NDJSON" "$T/import.out" \
	"$RG_BUILD_DIR/rgq" import -o "$T/imp.db" "$T/events.ndjson"
check_re "its summary: nothing skipped" "$(cat "$T/import.out")" "skipped +0[[:space:]]"
check_re "the recorder's signed checkpoints (its stop's at least) verify" "$(cat "$T/import.out")" \
	"checkpoints +[1-9][0-9]* +signed chain heads: [1-9][0-9]* verify \(key [0-9a-f]{32}\), 0 do not, 0 without"

python3 - "$T/rg.db" "$T/imp.db" "$M" <<'PY' || fail "the comparison stopped"
import sqlite3, sys
from tap import check, check_eq
db = sqlite3.connect(sys.argv[1])
db.execute("ATTACH ? AS imp", (sys.argv[2],))
one = lambda sql: db.execute(sql).fetchone()[0]
drops = one("SELECT coalesce(max(user_drops), 0) FROM health")

def differ(table, cols="*", where="1"):
    a = f"SELECT {cols} FROM main.{table} WHERE {where}"
    b = f"SELECT {cols} FROM imp.{table} WHERE {where}"
    return (one(f"SELECT count(*) FROM ({a} EXCEPT {b})"),
            one(f"SELECT count(*) FROM ({b} EXCEPT {a})"))

# every row the recorder stored comes back, every column; the import may
# have more only where the store dropped a row the NDJSON still has
for t in ("process_events", "file_events", "network_events", "system_events", "alerts",
          "health"):
    lost, extra = differ(t)
    check(lost == 0 and extra <= drops, f"{t}: every row, every column",
          f"{lost} missing or different, {extra} more (store drops {drops})")
check_eq(differ("gaps", "run_id, start_ns, end_ns, count, reason, rule_id"), (0, 0),
         "gaps: every column but the row id")
n = one(f"SELECT count(*) FROM imp.file_events WHERE instr(path, X'ff01') AND path LIKE '%{sys.argv[3]}-mark'")
check_eq(n >= 1, True, "the file name that is not UTF-8 came back as its bytes")

# processes: those the recorder's process table made from the events
# (fork, exec), as far as the lines carry them: start times are not
# carried; a forked child's cgroup and namespaces are its parent's here
common = "proc_id, pid, ppid, parent_proc_id, exit_ns, exit_code, signal"
image = ("comm, exe, cmdline, argv, cwd, script, env, uid, gid, euid, auid, sessionid, "
         "exe_truncated, argv_truncated, cwd_truncated, exe_memfd, exe_deleted, "
         "script_truncated, env_truncated, user, euser, group_name, login_user, sudo_user, "
         "ssh_client, ssh_client_port, cgroup_id, cgroup_path, container_id, "
         "container_runtime, pidns, mntns, netns, userns, utsns, cgroupns")
forked = "source = 'fork'"
execd = "proc_id IN (SELECT proc_id FROM main.process_events WHERE event_type = 'process_start')"
check(one(f"SELECT count(*) FROM main.processes WHERE {forked}") > 3, "there are forked processes",
      "")
check_eq(differ("processes", common + ", source", forked), (0, 0),
         "processes made by a fork: ids, parent, exit")
check_eq(differ("processes", common + ", " + image, execd), (0, 0),
         "processes that exec'd: ids, parent, exit, and all their exec set")
check_eq(one(f"SELECT count(*) FROM main.processes WHERE {forked} OR {execd}") -
         one(f"SELECT count(*) FROM imp.processes WHERE proc_id IN (SELECT proc_id FROM "
             f"main.processes WHERE {forked} OR {execd})"), 0,
         "every process the events made has its row")
PY

# replay: the same alerts on both (user and cmdline are the process row's,
# printed beside; a process running before the recorder has them from the
# start's /proc scan, which the NDJSON does not carry)
replay() {
	"$RG_BUILD_DIR/rgq" --db "$1" --format json replay --rules "$T/rules.d" 2>/dev/null |
		python3 -c 'import json, sys
for l in sys.stdin:
    o = json.loads(l); o.pop("cmdline", None); o.pop("user", None); print(json.dumps(o, sort_keys=True))'
}
replay "$T/rg.db" >"$T/replay.orig"
replay "$T/imp.db" >"$T/replay.imp"
check_num "replay of the original gives the test's alerts" \
	"$(grep -c 'LOCAL-IMP-' "$T/replay.orig")" '>=' 3
if cmp -s "$T/replay.orig" "$T/replay.imp"; then
	ok "replay of the import gives the same alerts"
else
	nok "replay of the import gives the same alerts"
	diff "$T/replay.orig" "$T/replay.imp" | head -20 | sed 's/^/#   /'
fi
check_run "the import's own hash chain verifies" "$T/verify.out" \
	"$RG_BUILD_DIR/rgq" --db "$T/imp.db" verify
live_done
