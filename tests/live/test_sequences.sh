#!/usr/bin/env bash
# Live: the shipped sequence rules on real activity, with the shipped file
# lists (watch_writes covers /dev/shm) and network on. A binary copied to
# /dev/shm and run gives one SEQ-DROP-EXEC-001 alert naming the copy's
# write and the exec; a process that connects to a loopback listener and
# then runs a shell gives one SEQ-REVERSE-SHELL-001 alert naming the
# connect and the shell's exec; a shell run without a connection before
# it, and a read of the dropped file, give none. The NDJSON alert and the
# row agree, the steps point at the real event rows, and `rgq replay`
# prints exactly the alerts table. Then, with sequence_max = 16, a flood of
# first steps: the evictions become sequence_eviction gap rows naming the
# rule, one stderr WARNING, and rows in rgq gaps.
source "$(dirname "$0")/lib.sh"
live_require
live_tap
RGQ=$RG_BUILD_DIR/rgq

M="rgseq$$x$RANDOM"
DROP=/dev/shm/$M
trap 'rm -f "$DROP"; cleanup' EXIT
mkdir -p "$T/rules.d"
cp "$RG_SOURCE_DIR"/config/rules.d/*.rules "$T/rules.d/"
rg_config
printf '[network]\nenabled = true\n[rules]\ndir = rules.d\n' >>"$T/rg.ini"
rg_start

# drop and execute; then a read-only open of it (not recorded: writes only)
cp /bin/true "$DROP"
"$DROP"
cat "$DROP" >/dev/null

# reverse shell shape, and a shell with no connection before it
python3 - "$M" >"$T/pids" <<'PY'
import os, socket, subprocess, sys
m = sys.argv[1]
plain = subprocess.Popen(["/bin/sh", "-c", f": {m}-plain"])
plain.wait()
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen()
pid = os.fork()
if pid == 0:                      # the "implant": connect, then a shell
    c = socket.create_connection(srv.getsockname())
    subprocess.run(["/bin/sh", "-c", f": {m}-shell"])
    c.close()
    os._exit(0)
conn, _ = srv.accept()
os.waitpid(pid, 0)
print(pid, plain.pid)
PY
read -r IMPLANT PLAIN <"$T/pids"
sleep 0.5
rg_stop
ok "recorder ran the session (implant pid $IMPLANT)"

python3 - "$T" "$DROP" "$IMPLANT" "$PLAIN" <<'PY' || fail "the sequence alert checks stopped"
import json, sqlite3, sys
T, drop, implant, plain = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
from tap import check, ndjson

db = sqlite3.connect(f"file:{T}/rg.db?mode=ro", uri=True)
def rows(sql, *a):
    return db.execute(sql, a).fetchall()
def event(seq):
    for t in ("process_events", "file_events", "network_events"):
        r = db.execute(f"SELECT * FROM {t} WHERE seq = ?", (seq,))
        cols = [c[0] for c in r.description]
        got = r.fetchone()
        if got:
            return dict(zip(cols, got))
    return None
def steps_of(alerts):
    """The first alert's row and its steps' events (None where missing):
    a missing alert leaves the checks on it failing, not crashing."""
    row = alerts[0] if alerts else (None, "[]", None, "")
    steps = json.loads(row[1])
    return row, steps, [event(steps[i]) if i < len(steps) else None for i in (0, 1)]

nd = ndjson(f"{T}/events.ndjson")
nd_alerts = {a["seq"]: a for a in nd if a["event_type"] == "alert"}

# --- drop and execute
drops = rows("SELECT seq, steps, event_seq, summary FROM alerts "
             "WHERE rule_id = 'SEQ-DROP-EXEC-001' AND exe = ?", drop)
check(len(drops) == 1, f"one SEQ-DROP-EXEC-001 alert for {drop} (got {len(drops)})")
(seq, _, event_seq, summary), steps, (w, x) = steps_of(drops)
check(len(steps) == 2 and steps[1] == event_seq, "steps: two seqs, the last the alert's event")
check(w and w["event_type"] == "file_write" and w["path"] == drop and w["exe"] == "/usr/bin/cp",
      "step 1 is cp's write of the dropped file")
check(x and x["event_type"] == "process_start" and x["exe"] == drop, "step 2 is its exec")
check(w and summary.endswith(f"after file_write {drop} by /usr/bin/cp (pid {w['pid']})"),
      f"the summary names the first step: {summary}")
a = nd_alerts.get(seq)
check(a and a["rule_id"] == "SEQ-DROP-EXEC-001" and a["steps"] == steps and
      a["trigger"]["exe"] == drop, "the NDJSON alert carries the same steps")
reads = rows("SELECT count(*) FROM file_events WHERE path = ? AND event_type = 'file_open' "
             "AND flags & 3 = 0", drop)[0][0]
check(reads == 0, "a read-only open under a watch_writes path is not recorded")
opens = rows("SELECT count(*) FROM file_events WHERE path = ? AND event_type = 'file_open' "
             "AND flags & 3 != 0", drop)[0][0]
check(opens == 1, "cp's open for writing is")

# --- reverse shell
rs = rows("SELECT a.seq, a.steps, a.pid, a.exe FROM alerts a "
          "WHERE a.rule_id = 'SEQ-REVERSE-SHELL-001'")
mine = [r for r in rs if event(json.loads(r[1])[0])["pid"] == implant]
check(len(mine) == 1, f"one SEQ-REVERSE-SHELL-001 alert for the implant (got {len(mine)})")
(seq, _, pid, exe), steps, (c, sh) = steps_of(mine)
check(c and c["event_type"] == "network_connect" and c["remote_addr"] == "127.0.0.1" and
      c["result"] == 0 and c["protocol"] == "tcp", "step 1: the implant's connect to loopback")
check(sh and sh["event_type"] == "process_start" and sh["ppid"] == implant and
      sh["exe"] in ("/usr/bin/dash", "/usr/bin/bash") and pid == sh["pid"],
      "step 2: its child's shell exec")
check(nd_alerts.get(seq, {}).get("steps") == steps, "NDJSON and row agree")
plain_alerts = [r for r in rs if r[2] == plain]
check(not plain_alerts, "a shell with no connection before it: no alert")

h = rows("SELECT sequence_partials, sequence_evictions FROM health ORDER BY seq DESC LIMIT 1")
check(h and h[0][1] == 0, f"health counts sequence state (partials {h[0][0]}, evictions 0)")
PY

q() { "$RGQ" --db "$T/rg.db" "$@"; }
q --format csv alerts >"$T/live.csv"
check_run "rgq replay runs" "$T/replay.csv" q --format csv replay --rules "$T/rules.d"
echo "# $(($(wc -l <"$T/live.csv") - 1)) alerts recorded"
check_eq "rgq replay gives the alerts table, steps included (the diff)" \
	"$(diff "$T/live.csv" "$T/replay.csv" || true)" ""
for r in SEQ-DROP-EXEC-001 SEQ-REVERSE-SHELL-001; do
	check_num "rgq replay gives the $r alert" "$(grep -c "$r" "$T/replay.csv" || true)" '>=' 1
done

# --- the bound: a flood of dropped files evicts partial matches, said as data ----
# A second recording, of one directory only (other activity on the host
# cannot disturb the counts), with the smallest sequence_max: two bursts
# of new files under /tmp, more than a health interval apart, each a
# SEQ-DROP-EXEC-001 first step.
rm -f "$T"/rg.db* "$T/events.ndjson"
mkdir -p "$T/flood"
rg_config
rg_watch "$T/flood"
printf '[rules]\ndir = rules.d\nsequence_max = 16\n' >>"$T/rg.ini"
rg_start
python3 - "$T/flood" <<'PY'
import sys, time
for burst in range(2):
    for i in range(200):
        with open(f"{sys.argv[1]}/b{burst}-{i}", "w") as f:
            f.write("x")
    time.sleep(1.5)
PY
rg_stop
python3 - "$T" <<'PY' || fail "the sequence eviction checks stopped"
import sqlite3, sys
T = sys.argv[1]
from tap import check, ndjson
db = sqlite3.connect(f"file:{T}/rg.db?mode=ro", uri=True)
ev = db.execute("SELECT sequence_evictions FROM health ORDER BY seq DESC LIMIT 1").fetchone()[0]
gaps = db.execute("SELECT start_ns, end_ns, count, rule_id FROM gaps "
                  "WHERE reason = 'sequence_eviction' ORDER BY gap_id").fetchall()
check(ev >= 2 * (200 - 16), f"400 new files, 16 partials held: {ev} evicted (health)")
check(sum(g[2] for g in gaps) == ev, f"the sequence_eviction gap rows add up to it ({len(gaps)} rows)")
check(gaps and all(g[3] == "SEQ-DROP-EXEC-001" for g in gaps), "each names the rule that lost them")
check(len({(g[0], g[1]) for g in gaps}) >= 2 and all(g[0] < g[1] for g in gaps),
      "one row per health interval with evictions: the two bursts are two windows")
nd = [x for x in ndjson(f"{T}/events.ndjson") if x["event_type"] == "gap"
      and x["reason"] == "sequence_eviction"]
check([(x["start_ns"], x["end_ns"], x["count"], x["rule_id"]) for x in nd] == gaps,
      "NDJSON gap lines carry the same rows, rule_id included")
PY
n=$(grep -c "WARNING: [0-9]* partial sequence matches evicted in the last [0-9]* s (\[rules\] sequence_max = 16 was full)" "$T/stderr" || true)
check_eq "evictions: one WARNING line on stderr (at most one a minute)" "$n" 1
check_run "rgq gaps runs" "$T/gaps.csv" "$RGQ" --db "$T/rg.db" --format csv gaps
check_re "rgq gaps shows the sequence_eviction windows by rule" "$(cat "$T/gaps.csv")" \
	',sequence_eviction,[0-9]+,"?[0-9]+ partial matches of SEQ-DROP-EXEC-001 evicted'
live_done
