# test_rgq.sh: rgq against fixture databases built from synthetic events
# (tests/bench/rg-gen.c, through the recorder's own pipeline): every
# command in every format, pid reuse in tree, time parsing, replay equal
# to the recorded alerts, export, and the error cases. No root needed.
source "$(dirname "$0")/lib.sh"
RGQ=$RG_BUILD_DIR/rgq

# The fixture: 2 runs, pids wrapping at 1500 (reuse), a kernel_drop gap,
# the shipped rules (alerts), 2026-11-01T00:00:00Z on, 20k events/s.
DB=$T/fx.db
"$RG_BUILD_DIR/rg-gen" --db "$DB" --events 60000 --runs 2 --pid-max 1500 --gap-every 20000 \
	--rules "$RG_SOURCE_DIR/config/rules.d" 2>"$T/err" && ok "rg-gen builds the fixture" ||
	nok "rg-gen builds the fixture"
q() { "$RGQ" --db "$DB" "$@"; }
sql1() { q --format csv sql "$1" | tail -n +2 | tr -d '\r'; }

# --- every command, every format ------------------------------------------------
PID=$(sql1 "SELECT pid FROM processes GROUP BY pid HAVING count(*) > 2 LIMIT 1")
PROC=$(sql1 "SELECT proc_id FROM processes WHERE pid = $PID ORDER BY start_ns LIMIT 1")
cmds=("events --limit 50" "tree $PID" "tree --proc-id $PROC" "timeline --proc-id $PROC --descendants"
      "timeline --path /etc/passwd --limit 20" "alerts" "health" "health --all" "gaps"
      "sql SELECT_1" "replay --rules $RG_SOURCE_DIR/config/rules.d --quiet")
for c in "${cmds[@]}"; do
	for f in table json csv; do
		# shellcheck disable=SC2086
		set -- ${c//SELECT_1/"SELECT 1 AS one"}
		if [[ "$1" == sql ]]; then set -- sql "SELECT seq, argv, cmdline FROM process_events LIMIT 5"; fi
		rc=0
		q --format "$f" "$@" >"$T/out" 2>"$T/err" || rc=$?
		if [[ $rc -ne 0 || ! -s "$T/out" ]]; then
			nok "rgq --format $f $c (exit $rc)"
			continue
		fi
		case $f in
		json) python3 -c 'import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
assert rows and all(isinstance(r, dict) for r in rows)' "$T/out" 2>>"$T/err" &&
			ok "rgq --format json $c: one JSON object per line" || nok "rgq --format json $c" ;;
		csv) python3 -c 'import csv,sys
rows=list(csv.reader(open(sys.argv[1], newline="")))
assert len(rows) >= 1 and all(len(r) == len(rows[0]) for r in rows)' "$T/out" 2>>"$T/err" &&
			ok "rgq --format csv $c: a header and rows of its width" || nok "rgq --format csv $c" ;;
		table) check "rgq --format table $c: a header and rows" "[[ \$(wc -l <\"$T/out\") -ge 1 ]]" ;;
		esac
	done
done
q --format json sql "SELECT argv FROM process_events WHERE event_type = 'process_start' LIMIT 1" >"$T/out"
check "json: argv (a BLOB) is an array of its arguments" \
	"python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); assert isinstance(r[\"argv\"], list) and r[\"argv\"]' '$T/out'"

# alerts.tags: a JSON array since NDJSON and SQL hold the same text; rows of
# a database written before hold space-separated words. rgq reads both.
cp "$DB" "$T/tags.db"
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE alerts SET tags = ? WHERE seq = (SELECT min(seq) FROM alerts)", ("persistence  T1543.002",)); c.commit()' "$T/tags.db"
"$RGQ" --db "$T/tags.db" --format json sql "SELECT seq, tags FROM alerts ORDER BY seq LIMIT 2" >"$T/out"
check "json: tags is an array, in new rows and in space-separated old ones" \
	"python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; assert len(r) == 2 and r[0][\"tags\"] == [\"persistence\", \"T1543.002\"] and isinstance(r[1][\"tags\"], list) and r[1][\"tags\"], r' '$T/out'"
check "the fixture's tags are stored as JSON arrays" \
	"[[ \$(sql1 \"SELECT count(*) FROM alerts WHERE json_valid(tags) AND json_type(tags) = 'array'\") -eq \$(sql1 'SELECT count(*) FROM alerts') ]]"

# --- replay reproduces the recorded alerts ------------------------------------
q --format csv alerts >"$T/live.csv"
q --format csv replay --rules "$RG_SOURCE_DIR/config/rules.d" >"$T/replay.csv" 2>"$T/err"
check "the fixture has alerts" "[[ \$(wc -l <'$T/live.csv') -gt 5 ]]"
check "replay with the recorded rules prints exactly the alerts table" \
	"diff '$T/live.csv' '$T/replay.csv' >'$T/err'"
check "replay names the gaps inside its range on stderr" \
	"q replay --rules '$RG_SOURCE_DIR/config/rules.d' 2>&1 >/dev/null | grep 'kernel_drop' >/dev/null"
# a process's look-up is kept for its next alerts: processes with several
# alerts, one with no user, one with an empty, one with a blob and one with
# a command line too long to keep (read again each time), as the table has
# them
check "the fixture has processes with several alerts" \
	"[[ \$(sql1 'SELECT count(*) FROM (SELECT proc_id FROM alerts GROUP BY proc_id HAVING count(*) > 1)') -gt 3 ]]"
cp "$DB" "$T/kept.db"
python3 -c 'import sqlite3,sys
c=sqlite3.connect(sys.argv[1])
ids=[r[0] for r in c.execute("SELECT proc_id FROM alerts GROUP BY proc_id HAVING count(*) > 1 ORDER BY proc_id LIMIT 4")]
c.execute("UPDATE processes SET user = NULL WHERE proc_id = ?", (ids[0],))
c.execute("UPDATE processes SET cmdline = ? WHERE proc_id = ?", ("", ids[1]))
c.execute("UPDATE processes SET cmdline = CAST(? AS BLOB), user = ? WHERE proc_id = ?", ("a\tb", "", ids[2]))
c.execute("UPDATE processes SET cmdline = ? WHERE proc_id = ?", ("x" * 5000 + " end", ids[3]))
c.commit()' "$T/kept.db"
"$RGQ" --db "$T/kept.db" --format csv alerts >"$T/kept.want"
"$RGQ" --db "$T/kept.db" --format csv replay --rules "$RG_SOURCE_DIR/config/rules.d" --quiet >"$T/kept.out"
check "replay's kept look-ups: a NULL user, an empty, a blob and a long command line as the table has them" \
	"diff '$T/kept.want' '$T/kept.out' >'$T/err'"
printf '[rule "ONLY-CRON"]\nname = cron\nseverity = low\nevents = file_write file_rename file_unlink\nmatch = path|new_path prefix /etc/cron.d\n' >"$T/one.rules"
n_cron=$(sql1 "SELECT count(*) FROM alerts WHERE rule_id = 'PERSIST-CRON-001'")
q --format csv replay --rules "$T/one.rules" --quiet >"$T/out"
check "replay of a new rule: its alerts only ($n_cron cron writes)" \
	"[[ \$(tail -n +2 '$T/out' | grep -c ONLY-CRON) -eq $n_cron && \$(tail -n +2 '$T/out' | grep -vc ONLY-CRON) -eq 0 ]]"
# fields no shipped rule, lineage or summary reads: replay reads them because
# the rule names them (rg_rules_event_fields)
printf '[rule "CREAT"]\nname = c\nseverity = low\nevents = file_open\nmatch = flags anybits 0x40\nmatch = mode equals 420\n[rule "PROJ"]\nname = p\nseverity = low\nevents = process_start\nmatch = cwd prefix /home/alice/project\n' >"$T/new.rules"
n_creat=$(sql1 "SELECT count(*) FROM file_events WHERE event_type = 'file_open' AND flags & 64 AND mode = 420")
n_proj=$(sql1 "SELECT count(*) FROM process_events WHERE event_type = 'process_start' AND (cwd = '/home/alice/project' OR cwd LIKE '/home/alice/project/%')")
q --format csv replay --rules "$T/new.rules" --quiet >"$T/out"
check "replay of rules on flags, mode and cwd: $n_creat and $n_proj alerts, as the rows say" \
	"[[ $n_creat -gt 0 && $n_proj -gt 0 && \$(grep -c ,CREAT, '$T/out') -eq $n_creat && \$(grep -c ,PROJ, '$T/out') -eq $n_proj ]]"
mid=$(sql1 "SELECT ts_ns FROM alerts ORDER BY seq LIMIT 1 OFFSET 3")
q --format csv replay --rules "$RG_SOURCE_DIR/config/rules.d" --since "@${mid:0:10}.${mid:10}" --quiet >"$T/out"
q --format csv alerts --since "@${mid:0:10}.${mid:10}" >"$T/want"
check "replay --since gives the recorded alerts from then on (lineage built from the run start)" \
	"diff '$T/want' '$T/out' >'$T/err' && [[ \$(wc -l <'$T/out') -lt \$(wc -l <'$T/live.csv') ]]"

# --- tree across pid reuse -------------------------------------------------------
q --format json tree "$PID" >"$T/tree.json" 2>"$T/err"
check "tree PID with a reused pid says so on stderr" "grep -q 'was reused' '$T/err'"
LATEST=$(sql1 "SELECT proc_id FROM processes WHERE pid = $PID ORDER BY start_ns DESC LIMIT 1")
q --format json sql "SELECT proc_id, parent_proc_id FROM processes" >"$T/parents.json"
cat >"$T/tree.py" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
parent = {}
for l in open(sys.argv[2]):
    r = json.loads(l)
    parent[r["proc_id"]] = r["parent_proc_id"]
this = [r for r in rows if r["relation"] == "this"]
assert len(this) == 1 and this[0]["proc_id"] == int(sys.argv[3]), this
ids = {r["proc_id"] for r in rows}
for r in rows:  # every descendant hangs off a row of this tree, by proc_id
    if r["relation"] == "descendant":
        assert parent[r["proc_id"]] in ids, r
anc = [r["proc_id"] for r in rows if r["relation"] == "ancestor"]
chain, p = [], parent[this[0]["proc_id"]]
while p is not None and p not in chain:
    chain.append(p)
    p = parent.get(p)
assert anc == list(reversed(chain)), (anc, chain)
assert all(isinstance(r["pid"], int) for r in rows)
depth = [r["depth"] for r in rows]  # the root is 0, each ancestor one deeper
assert depth[:len(anc) + 1] == list(range(len(anc) + 1)), depth
PY
check "tree PID: the latest process with that pid, its real ancestors and descendants" \
	"python3 '$T/tree.py' '$T/tree.json' '$T/parents.json' '$LATEST' 2>'$T/err'"
q --format json tree --proc-id "$PROC" >"$T/tree2.json"
check "tree --proc-id of an earlier holder of the pid is that process's own tree" \
	"python3 '$T/tree.py' '$T/tree2.json' '$T/parents.json' '$PROC' 2>'$T/err'"

# --- deep lineage, and a parent loop in a damaged database ---------------------
# A 70-deep chain (proc_ids 900000..900069, one exec event each) and a loop:
# 910000 and 910001 each other's parent, 910002 a child of 910001.
cp "$DB" "$T/deep.db"
sqlite3 "$T/deep.db" "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 69)
	INSERT INTO processes (proc_id, boot_id, pid, start_boot_ns, start_ns, parent_proc_id, source, exe)
	SELECT 900000 + i, 'b', 900000 + i, i, 1793491200000000000 + i, iif(i, 899999 + i, NULL), 'event',
	'/bin/deep' FROM n;
	INSERT INTO processes (proc_id, boot_id, pid, start_boot_ns, start_ns, parent_proc_id, source, exe)
	VALUES (910000, 'b', 910000, 0, 1793491200000000000, 910001, 'event', '/bin/loop'),
	(910001, 'b', 910001, 0, 1793491200000000000, 910000, 'event', '/bin/loop'),
	(910002, 'b', 910002, 0, 1793491200000000000, 910001, 'event', '/bin/loop');
	INSERT INTO process_events (seq, event_type, ts_ns, boot_ns, proc_id, pid, tid, uid, gid, exe)
	SELECT 90000000 + proc_id, 'process_start', start_ns + 1000, 0, proc_id, pid, pid, 0, 0, exe
	FROM processes WHERE proc_id >= 900000"
dq() { "$RGQ" --db "$T/deep.db" "$@"; }
dq --format csv tree --proc-id 900000 >"$T/out"
check "tree of a 70-deep chain's root: all 70, the deepest at depth 69" \
	"[[ \$(tail -n +2 '$T/out' | wc -l) -eq 70 && \$(tail -1 '$T/out' | cut -d, -f1,4) == 69,900069 ]]"
dq --format csv tree --proc-id 900069 >"$T/out"
check "tree of the deepest: 69 ancestors up to the root, itself at depth 69" \
	"[[ \$(grep -c ',ancestor,' '$T/out') -eq 69 && \$(grep ',this,' '$T/out' | cut -d, -f1) == 69 && \$(sed -n 2p '$T/out' | cut -d, -f4) == 900000 ]]"
dq --format csv timeline --proc-id 900000 --descendants >"$T/out"
check "timeline --descendants of the root: every one of the 70 processes' events" \
	"[[ \$(grep -c ',process_start,' '$T/out') -eq 70 ]] && grep -q ',900069,' '$T/out'"
dq --format csv tree --proc-id 910000 >"$T/out" 2>"$T/err"
check "tree in a parent loop: each process once, and the cut said on stderr" \
	"[[ \$(tail -n +2 '$T/out' | wc -l) -eq 3 && \$(tail -n +2 '$T/out' | cut -d, -f4 | sort -u | wc -l) -eq 3 ]] && grep -q 'form a loop' '$T/err'"
dq --format csv timeline --proc-id 910000 --descendants >"$T/out"
check "timeline --descendants in a parent loop: each process's event once" \
	"[[ \$(tail -n +2 '$T/out' | wc -l) -eq 3 && \$(tail -n +2 '$T/out' | cut -d, -f5 | sort -u | wc -l) -eq 3 ]]"

# --- events filters and time parsing ----------------------------------------------
q --format csv events --type file_write --limit 0 >"$T/out"
nw=$(sql1 "SELECT count(*) FROM file_events WHERE event_type = 'file_write'")
check "events --type file_write --limit 0: all $nw writes, nothing else" \
	"[[ \$(tail -n +2 '$T/out' | cut -d, -f3 | sort -u) == file_write && \$(tail -n +2 '$T/out' | wc -l) -eq $nw ]]"
q --format csv events --limit 7 >"$T/out"
check "events: newest first, the limit holds" \
	"[[ \$(tail -n +2 '$T/out' | wc -l) -eq 7 ]] && tail -n +2 '$T/out' | cut -d, -f1 | sort -rnc"
q --format csv events --oldest --limit 3 >"$T/out"
check "events --oldest starts at the first event" \
	"[[ \$(tail -n +2 '$T/out' | head -1 | cut -d, -f1) == \$(sql1 'SELECT min(seq) FROM process_events') ]]"
q --format csv events --proc-id "$PROC" --limit 0 >"$T/out"
np=$(sql1 "SELECT (SELECT count(*) FROM process_events WHERE proc_id = $PROC) + (SELECT count(*) FROM file_events WHERE proc_id = $PROC) + (SELECT count(*) FROM network_events WHERE proc_id = $PROC) + (SELECT count(*) FROM system_events WHERE proc_id = $PROC)")
check "events --proc-id: exactly that process's $np events" \
	"[[ \$(tail -n +2 '$T/out' | wc -l) -eq $np && \$(tail -n +2 '$T/out' | cut -d, -f5 | sort -u) == $PROC ]]"
q --format csv events --type system --limit 0 >"$T/out"
ns=$(sql1 "SELECT count(*) FROM system_events")
check "events --type system: all $ns system events (the fixture has some)" \
	"[[ $ns -gt 0 && \$(tail -n +2 '$T/out' | wc -l) -eq $ns ]]"
check "events --type system: a cred_change reads as its ids, a mount as what went where" \
	"grep -q ',cred_change,.*,uid 0(root)->33(www-data) euid 0(root)->33(www-data) caps 1ffffffffff->0,0' '$T/out' && grep -q ',mount,.*,tmpfs on /run/user/1000 type tmpfs,0' '$T/out'"
q --format csv events --type ptrace --limit 1 >"$T/out"
tp=$(tail -n +2 "$T/out" | cut -d, -f1)
check "a ptrace row names its target, whose proc_id is the target's" \
	"[[ -n '$tp' && \$(sql1 \"SELECT count(*) FROM system_events s JOIN processes p ON p.proc_id = s.target_proc_id WHERE s.seq = $tp AND p.pid = s.target_pid\") == 1 ]]"
q --format csv events --exe gcc --limit 0 >"$T/out"
check "events --exe NAME matches the file name of exe" \
	"[[ \$(tail -n +2 '$T/out' | cut -d, -f8 | sort -u) == /usr/bin/gcc ]]"
q --format csv events --path '/home/alice/project/src/file1?.c' --limit 0 >"$T/out"
check "events --path GLOB: file events on matching paths only" \
	"tail -n +2 '$T/out' | cut -d, -f9 | grep -qE '^/home/alice/project/src/file1[0-9].c' && ! tail -n +2 '$T/out' | cut -d, -f9 | grep -vqE '(^| -> )/home/alice/project/src/file1[0-9].c( O_[A-Z_|]+( mode [0-7]{4})?)?$'"
# An exact path: searched in file_rows when every match is read (--limit 0),
# through the view with a limit (schema 024); both find the same rows,
# those of a rename by its new path too, and a row edited in through the
# view (its path kept whole) as well as the writer's.
ep=$(sql1 "SELECT path FROM file_events WHERE event_type = 'file_open' GROUP BY path ORDER BY count(*) DESC LIMIT 1")
for k in 8:"'$ep', NULL" 9:"'/x/old', '$ep'"; do
	sqlite3 "$DB" "INSERT INTO file_events SELECT 99999999${k%%:*}, event_type, ts_ns, boot_ns, proc_id, pid, tid, uid, gid, ppid, parent_proc_id, comm, exe, syscall, ${k#*:}, flags, mode, result, path_truncated, new_path_truncated, owner_uid, owner_gid, mtime_ns, xattr_name, host_path FROM file_events WHERE path = '$ep' LIMIT 1"
done
# a file_more row that its file row's `more` does not own (left by a hand
# edit) is no rename to it (schema 029)
sqlite3 "$DB" "INSERT INTO file_more (seq, new_path) SELECT min(seq), '$ep' FROM file_rows WHERE NOT more AND seq NOT IN (SELECT seq FROM file_more)"
ne=$(sql1 "SELECT count(*) FROM file_events WHERE path = '$ep' OR new_path = '$ep'")
q --format csv events --path "$ep" --limit 0 >"$T/out"
q --format csv events --path "$ep" --limit 100000000 >"$T/out2"
check "events --path EXACT --limit 0: all $ne rows on it, a rename to it among them" \
	"[[ $ne -gt 2 && \$(tail -n +2 '$T/out' | wc -l) -eq $ne ]] && grep -q '^999999998,' '$T/out' && grep -q '^999999999,' '$T/out'"
check "events --path EXACT: the same rows with a limit (through the view)" "cmp -s '$T/out' '$T/out2'"
sqlite3 "$DB" "DELETE FROM file_events WHERE seq >= 999999998; DELETE FROM file_more WHERE seq IN (SELECT seq FROM file_rows WHERE NOT more)"
q --format csv events --path '/root/*/authorized_keys' --limit 0 >"$T/out"
check "events --path GLOB: '*' matches a directory whose name starts with '.'" \
	"[[ \$(tail -n +2 '$T/out' | cut -d, -f9 | sed -E 's/ O_[A-Z_|]+( mode [0-7]{4})?$//' | sort -u) == /root/.ssh/authorized_keys ]]"
# Who and where: names beside ids, and the processes of one container.
q --format csv events --type file --limit 0 >"$T/out"
check "events: the user column names each uid as recorded (1000 alice, 33 www-data, 0 root)" \
	"[[ \$(head -1 '$T/out' | cut -d, -f6,7) == uid,user ]] && [[ -z \$(tail -n +2 '$T/out' | cut -d, -f6,7 | sort -u | grep -vxE '1000,alice|33,www-data|0,root') ]]"
q --format csv events --type process_start --container 5e1f0c3a9b7d --limit 0 >"$T/out"
nc=$(sql1 "SELECT count(*) FROM process_events WHERE event_type = 'process_start' AND proc_id IN (SELECT proc_id FROM processes WHERE container_runtime = 'docker')")
check "events --container SHORTID: the execs of that container's processes, all of them" \
	"[[ $nc -gt 0 && \$(tail -n +2 '$T/out' | wc -l) -eq $nc ]] && ! tail -n +2 '$T/out' | cut -d, -f6 | grep -qvx 33"
check "events --container: a container with no process gives no rows" \
	"[[ \$(q --format csv events --container ffff --limit 0 | wc -l) -eq 1 ]]"
WANT="--container takes an id, the start of one, or a name" \
	expect 2 "events --container refuses a glob" "$RGQ" --db "$DB" events --container '5e*'
q --format csv tree 901 >"$T/out"
check "tree: user and container_id beside uid" \
	"head -1 '$T/out' | grep -q ',uid,user,gid,group_name,container_id,' && grep ',this,' '$T/out' | grep -q ',33,www-data,[0-9]*,[^,]*,5e1f0c3a9b7d'"
check "path_glob: '*' matches a leading '.', as in the rules" \
	"[[ \$(sql1 \"SELECT path_glob('/tmp/*/update', '/tmp/.x/update')\") == 1 ]]"
q --format csv events --since 2026-11-01T00:00:00.5Z --until "2026-11-01 00:00:01.2" --limit 0 >"$T/out"
check "--since/--until ISO: every row inside the range" \
	"[[ -n \$(tail -n +2 '$T/out') ]] && tail -n +2 '$T/out' | cut -d, -f2 | awk '\$0 < \"2026-11-01T00:00:00.5\" || \$0 > \"2026-11-01T00:00:01.200000001\" {bad=1} END {exit bad}'"
q --format csv events --since @1793491200.5 --until 2026-11-01T01:00:01.2+01:00 --limit 0 >"$T/out2"
check "--since @EPOCH and a zone offset mean the same range" "diff '$T/out' '$T/out2' >'$T/err'"
q --format csv events --since 1h >"$T/out"
check "--since 1h: nothing (the fixture is weeks old)" "[[ \$(wc -l <'$T/out') -eq 1 ]]"
q --format csv events --since 400d --limit 5 >"$T/out"
check "--since 400d: rows" "[[ \$(wc -l <'$T/out') -eq 6 ]]"
WANT="bad time 'yesterday'" expect 2 "a bad time: exit 2, one line" q events --since yesterday
WANT="bad time '2026-02-30'" expect 2 "an impossible date is refused" q events --since 2026-02-30
WANT="--since is after --until" expect 2 "--since after --until" q events --since 2d --until 3d

# --- timeline, alerts, health, gaps --------------------------------------------
PERSIST=$(sql1 "SELECT f.path FROM alerts a JOIN file_events f ON f.seq = a.event_seq WHERE a.rule_id = 'PERSIST-SYSTEMD-001' LIMIT 1")
q --format csv timeline --path "$PERSIST" >"$T/out"
check "timeline --path: the file events on it and their alerts, in time order" \
	"grep -q ',alert,' '$T/out' && grep -q ',file_' '$T/out' && tail -n +2 '$T/out' | cut -d, -f2 | sort -c"
q --format csv timeline --proc-id "$PROC" --descendants >"$T/out"
check "timeline --proc-id: starts with the fork that created it" \
	"[[ \$(tail -n +2 '$T/out' | head -1 | cut -d, -f3) == process_relationship ]]"
WANT="name one of --pid, --proc-id, --path or --container" expect 2 "timeline without a subject" q timeline
q --format csv alerts --severity critical >"$T/out"
q --format csv alerts --severity high >"$T/out2"
check "alerts --severity is a minimum" \
	"[[ \$(wc -l <'$T/out2') -gt \$(wc -l <'$T/out') ]] && ! tail -n +2 '$T/out2' | cut -d, -f2 | grep -qvE '^(high|critical)$'"
WANT="^seq +[0-9]+$" expect 0 "health: the latest row, field by field" q health
WANT="^wal_bytes +[0-9]+$" expect 0 "health: the WAL's size is one of them" q health
q --format csv health --all >"$T/out"
check "health --all: the WAL's size, blocked checkpoints and pins over time" \
	"head -1 '$T/out' | grep -q ',wal_bytes,checkpoints_blocked,wal_pinned,'"
check "health: no warning when the rules ran" "! grep -q WARNING '$T/err'"
cp "$DB" "$T/norules.db" && sqlite3 "$T/norules.db" "UPDATE health SET rules_enabled = 0 WHERE run_id = 2"
WANT="WARNING: run 2 recorded without detection rules \(rules_enabled = 0 in 1 health row\)" \
	expect 0 "health: a latest row with rules_enabled = 0 is a WARNING on stderr" \
	"$RGQ" --db "$T/norules.db" health
WANT="WARNING: run 2 recorded without detection rules \(rules_enabled = 0 in [0-9]+ health rows\)" \
	expect 0 "health --all: each run without rules is named" "$RGQ" --db "$T/norules.db" health --all
check "and only that run" "! grep -q 'run 1 recorded' '$T/err'"
q --format csv gaps >"$T/out"
check "gaps: two runs recorded, the recorder_down between them, the kernel_drop with its count" \
	"[[ \$(grep -c ',recorded,' '$T/out') -ge 2 ]] && grep -q ',recorder_down,' '$T/out' && grep -qE ',kernel_drop,[1-9]' '$T/out'"

# --- terminal injection: nothing in a crafted database steers the terminal ------
# C0 and C1 controls (CSI, OSC, NEL as UTF-8), DEL, bidirectional marks and
# overrides, invalid UTF-8, in a column name, a value and a health column.
python3 - "$DB" "$T/evil.db" <<'PY'
import shutil, sqlite3, sys
shutil.copy(sys.argv[1], sys.argv[2])
bad = "\x1b[2J\x9b31m\x9d0;t\x07\x85\u202egpj.exe\u202a\u202d\u2066\u2069\u200e\u200f\u061c\x7f\r"
c = sqlite3.connect(sys.argv[2])
c.execute('CREATE TABLE evil ("name%s" TEXT, raw TEXT)' % bad)
c.execute("INSERT INTO evil VALUES (?, CAST(? AS TEXT))", (bad, b"\xff\xc2x\xe2\x80"))
c.execute('ALTER TABLE health ADD COLUMN "h%s" INTEGER' % bad)
c.execute("UPDATE meta SET value = ? WHERE key = 'rules_digest'", (bad,))
c.execute("UPDATE processes SET exe = ? WHERE pid = (SELECT pid FROM processes GROUP BY pid HAVING count(*) > 1 LIMIT 1)", (bad,))
c.commit()
PY
cat >"$T/inert.py" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
text = data.decode("utf-8")  # invalid UTF-8 must have been escaped
bad = re.findall("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", text)
assert not bad, bad
PY
EPID=$(sqlite3 "$T/evil.db" "SELECT pid FROM processes WHERE exe LIKE '%gpj%' LIMIT 1")
for c in "sql SELECT_EVIL" "health" "tree $EPID" "sql SELECT_NOPE" "replay --rules $RG_SOURCE_DIR/config/rules.d --quiet"; do
	set -- ${c}
	[[ ${2:-} == SELECT_EVIL ]] && set -- sql "SELECT * FROM evil"
	[[ ${2:-} == SELECT_NOPE ]] && set -- sql "SELECT * FROM evil WHERE \"$(printf 'x\xe2\x80\xae\xc2\x9b')\" = 1"
	"$RGQ" --db "$T/evil.db" "$@" >"$T/out" 2>"$T/stderr" || true
	check "table rgq $c: every control and bidi mark escaped, header and stderr too" \
		"python3 '$T/inert.py' '$T/out' 2>'$T/err' && python3 '$T/inert.py' '$T/stderr' 2>>'$T/err' && [[ -s '$T/out' || -s '$T/stderr' ]]"
done
check "the escapes read as code points" "'$RGQ' --db '$T/evil.db' sql 'SELECT * FROM evil' | grep -qF '\\x1b[2J\\u009b31m\\u009d0;t\\x07\\u0085\\u202egpj.exe'"
"$RGQ" --db "$T/evil.db" --format csv sql "SELECT * FROM evil" >"$T/out.csv"
"$RGQ" --db "$T/evil.db" --format json sql "SELECT * FROM evil" >"$T/out.json"
cat >"$T/exact.py" <<'PY'
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.text_factory = bytes
cur = c.execute("SELECT * FROM evil")
names = [d[0].encode("utf-8", "surrogateescape") if isinstance(d[0], str) else d[0] for d in cur.description]
row = cur.fetchone()
def field(b):  # RFC 4180: quoted when it holds a quote, comma or line break
    return b'"' + b.replace(b'"', b'""') + b'"' if any(c in b for c in b'",\r\n') else b
want = b",".join(map(field, names)) + b"\r\n" + b",".join(map(field, row)) + b"\r\n"
assert open(sys.argv[2], "rb").read() == want, "csv differs"
got = json.loads(open(sys.argv[3], "rb").read())
back = {k.encode("utf-8", "surrogateescape"): v.encode("utf-8", "surrogateescape") for k, v in got.items()}
assert back == dict(zip(names, row)), (back, names, row)
PY
check "csv and json of the crafted table: the exact bytes, unescaped" \
	"python3 '$T/exact.py' '$T/evil.db' '$T/out.csv' '$T/out.json' 2>'$T/err'"

# --- a table streams: an endless query prints rows, memory stays bounded ------------
vmax=400000 # KiB; ASan reserves terabytes of address space: no limit under it
[[ $(ldd "$RGQ") == *libasan* ]] && vmax=unlimited # not grep -q: pipefail and SIGPIPE
(ulimit -v $vmax; timeout 60 "$RGQ" --db "$DB" sql "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, 'row ' || x AS label FROM c" 2>"$T/err" | head -n 3001 >"$T/out") || true
check "sql in table mode streams an endless query (3000 rows arrive, in order)" \
	"[[ \$(wc -l <'$T/out') -eq 3001 && \$(sed -n 2p '$T/out' | tr -s ' ') == '1 row 1' && \$(tail -1 '$T/out' | tr -s ' ') == '3000 row 3000' ]]"
q sql "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2500) SELECT x, 'r' AS y FROM c" >"$T/out"
check "a long table: one header, every row, widths from the first 1000 rows" \
	"[[ \$(wc -l <'$T/out') -eq 2501 && \$(grep -c '^x ' '$T/out') -eq 1 && \$(sed -n 1001p '$T/out') == '1000  r' && \$(tail -1 '$T/out') == '2500  r' ]]"

# --- export ----------------------------------------------------------------------
expect 0 "export writes a copy" q export "$T/copy.db"
check "the copy is one file (no WAL), mode 0600, and sqlite3 reads it" \
	"[[ ! -e '$T/copy.db-wal' && \$(stat -c %a '$T/copy.db') == 600 && \$(sqlite3 '$T/copy.db' 'PRAGMA integrity_check') == ok ]]"
"$RGQ" --db "$T/copy.db" --format csv alerts >"$T/out"
check "rgq reads the copy: the same alerts" "diff '$T/live.csv' '$T/out'"
WANT="exists" expect 1 "export refuses to overwrite" q export "$T/copy.db"
expect 0 "export --since --until" q export "$T/part.db" --since 2026-11-01T00:00:01Z --until 2026-11-01T00:00:02Z
range="ts_ns BETWEEN 1793491201000000000 AND 1793491202000000000"
check "the ranged copy holds every event of that range" \
	"[[ \$(sqlite3 '$T/part.db' \"SELECT count(*) FROM file_events WHERE $range\") == \$(sqlite3 '$DB' \"SELECT count(*) FROM file_events WHERE $range\") && \$(sqlite3 '$T/part.db' 'SELECT count(*) FROM file_events') -gt 0 ]]"
# and outside it only the rows that share a hash group of 16 (chain.h)
# with one inside: at most 15 a group at each end of the range
check "and outside it only what shares a hash group with a row inside" \
	"(( \$(sqlite3 '$T/part.db' \"SELECT count(*) FROM file_events WHERE NOT ($range)\") <= 30 * \$(sqlite3 '$T/part.db' 'SELECT count(*) FROM chain') ))"

# --- which database --------------------------------------------------------------
printf '[store]\ndb = %s\n' "$DB" >"$T/rg.ini"
"$RGQ" -c "$T/rg.ini" --format csv alerts >"$T/out" 2>"$T/err" || true
check "-c CONFIG: the config's [store] db" "diff '$T/live.csv' '$T/out'"
if [[ ! -e /etc/rand-guard/rand-guard.ini ]]; then
	WANT="var/rand-guard.db: No such file" expect 1 "no --db and no config: the default path" \
		env -C "$T" "$RGQ" events
fi
printf '[store]\nbogus = 1\n' >"$T/bad.ini"
WANT="bad.ini:2: unknown key 'bogus'" expect 2 "-c with a broken config: file:line" "$RGQ" -c "$T/bad.ini" events

# --- a user who may not read the database is told so ------------------------------
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	mkdir -m 755 "$T/perm" && cp "$T/copy.db" "$T/perm/rg.db" && chmod 600 "$T/perm/rg.db"
	chmod 711 "$T"
	WANT="perm/rg.db: Permission denied" expect 1 "a non-root user on a 0600 database: permission denied" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$RGQ" --db "$T/perm/rg.db" events
	chmod 700 "$T"
else
	ok "# SKIP a non-root user on a 0600 database (needs root, setpriv and the user nobody)"
fi

# --- replay's rule sources -------------------------------------------------------
printf '[store]\ndb = x.db\n[rules]\ndir = %s\n[rule "INLINE-1"]\nname = inline\nseverity = low\nevents = network_connect\nmatch = remote_port equals 4444\n' \
	"$RG_SOURCE_DIR/config/rules.d" >"$T/cfg.ini"
q --format csv replay --rules "$T/cfg.ini" >"$T/out" 2>"$T/err"
n_net=$(sql1 "SELECT count(*) FROM alerts WHERE rule_id = 'NET-SUSPICIOUS-PORT-001'")
check "replay --rules CONFIG.ini: the config's rules dir and its inline rules, as the recorder loads them" \
	"[[ \$(grep -c ',INLINE-1,' '$T/out') -eq $n_net && \$(grep -c ',PERSIST-' '$T/out') -gt 0 ]]"
check "replay with another rule set than the recorder's last says so" \
	"grep -q 'not the set the recorder last ran' '$T/err'"
q replay --rules "$RG_SOURCE_DIR/config/rules.d" >/dev/null 2>"$T/err"
check "replay with the recorder's own set says nothing of it" "! grep -q 'not the set' '$T/err'"

# --- a recording whose last run did not stop cleanly ----------------------------
cp "$DB" "$T/crash.db" && sqlite3 "$T/crash.db" "UPDATE runs SET stopped_ns = NULL WHERE run_id = 2"
"$RGQ" --db "$T/crash.db" --format csv gaps >"$T/out"
last_health=$(sqlite3 "$T/crash.db" "SELECT max(ts_ns) FROM health WHERE run_id = 2")
check "gaps: a run without a clean stop is recorded up to its last health row, then unknown" \
	"grep -q ',unknown,,\"run 2: running, or stopped without a clean stop\"' '$T/out' && [[ \$(grep ',unknown,' '$T/out' | cut -d, -f1) == \$('$RGQ' --db '$T/crash.db' --format csv sql 'SELECT rg_time($last_health)' | tail -1 | tr -d '\r') ]]"

# --- sequence evictions: the fixture's load overflows the default sequence_max ------
check "the fixture evicts partial sequence matches (health)" \
	"[[ \$(sql1 'SELECT sum(sequence_evictions) FROM health h WHERE seq = (SELECT max(seq) FROM health WHERE run_id = h.run_id)') -gt 0 ]]"
check "each run's sequence_eviction gap rows add up to its health sequence_evictions" \
	"[[ \$(sql1 \"SELECT count(*) FROM runs r WHERE (SELECT coalesce(sum(count), 0) FROM gaps g WHERE g.run_id = r.run_id AND reason = 'sequence_eviction') != (SELECT sequence_evictions FROM health h WHERE h.run_id = r.run_id ORDER BY seq DESC LIMIT 1)\") == 0 ]]"
check "a sequence_eviction gap names its (sequence) rule, every other gap none" \
	"[[ \$(sql1 \"SELECT count(*) FROM gaps WHERE (reason = 'sequence_eviction') != (rule_id LIKE 'SEQ-%')\") == 0 ]]"
q --format csv gaps >"$T/out"
row=$(sql1 "SELECT rule_id || ' ' || count FROM gaps WHERE reason = 'sequence_eviction' ORDER BY count DESC LIMIT 1")
check "gaps: a sequence_eviction window with its count and rule" \
	"grep -qE ',sequence_eviction,${row#* },\"?${row#* } partial matches of ${row% *} evicted' '$T/out'"
check "gaps: no 'recorded' span overlaps a sequence_eviction window" \
	"python3 -c 'import csv,sys
rows = list(csv.DictReader(open(sys.argv[1])))
ev = [r for r in rows if r[\"coverage\"] == \"sequence_eviction\"]
rec = [r for r in rows if r[\"coverage\"] == \"recorded\"]
sys.exit(not ev or any(r[\"start\"] < e[\"end\"] and r[\"end\"] > e[\"start\"] for r in rec for e in ev))' '$T/out'"
q replay --rules "$RG_SOURCE_DIR/config/rules.d" --quiet 2>"$T/err" >/dev/null
want=$(sql1 "SELECT group_concat(rule_id || ' ' || n, ' ') FROM (SELECT rule_id, sum(count) AS n FROM gaps WHERE reason = 'sequence_eviction' GROUP BY rule_id ORDER BY min(gap_id))")
check "replay evicts what the recorder did, rule by rule, and says so" \
	"python3 -c 'import re,sys
got = dict(re.findall(r\" (\\S+) (\\d+)\", open(sys.argv[1]).read().split(\"missed;\")[1]))
want = dict(x.split() for x in re.findall(r\"\\S+ \\d+\", sys.argv[2]))
sys.exit(got != want or not want)' '$T/err' '$want'"

# --- a recording whose start was pruned by retention ------------------------------
cp "$DB" "$T/pruned.db" && sqlite3 "$T/pruned.db" "INSERT INTO gaps (run_id, start_ns, end_ns, count, reason)
	VALUES (1, 1793491200000000000, 1793491200500000000, 123, 'pruned')"
"$RGQ" --db "$T/pruned.db" --format csv gaps >"$T/out"
check "gaps: a pruned range is shown, and coverage starts after it" \
	"grep -q '^2026-11-01T00:00:00.000000000Z,2026-11-01T00:00:00.500000000Z,pruned,123,' '$T/out' &&
	 grep ',recorded,' '$T/out' | cut -d, -f1 | awk '\$0 < \"2026-11-01T00:00:00.500000000Z\" {bad=1} END {exit bad}'"

# --- steps of the wall clock (gap rows the recorder writes, lost nothing) ----------
cp "$DB" "$T/clock.db" && sqlite3 "$T/clock.db" "INSERT INTO gaps (run_id, start_ns, end_ns, count, reason)
	VALUES (2, 1793491207000000000, 1793491207500000000, 0, 'clock_step_back'),
	(2, 1793491207800000000, 1793491207900000000, 0, 'clock_step_forward')"
"$RGQ" --db "$T/clock.db" --format csv gaps | tr -d '\r' >"$T/out"
q --format csv gaps | tr -d '\r' >"$T/want"
check "gaps: the clock steps listed with what they mean; the recorded spans unchanged" \
	"grep -qx '2026-11-01T00:00:07.000000000Z,2026-11-01T00:00:07.500000000Z,clock_step_back,0,clock set back 0.500 s: these times occur twice' '$T/out' &&
	 grep -q ',clock_step_forward,0,clock set forward 0.100 s: no event has these times' '$T/out' &&
	 diff <(grep ',recorded,' '$T/want') <(grep ',recorded,' '$T/out') >'$T/err'"
"$RGQ" --db "$T/clock.db" events --since 2026-11-01T00:00:07.2Z --limit 1 >/dev/null 2>"$T/stderr"
check "a --since range meeting a backward step says so on stderr" \
	"grep -q 'rgq events: the wall clock was set back 0.500 s in run 2: times from 2026-11-01T00:00:07.000000000Z to 2026-11-01T00:00:07.500000000Z were recorded twice' '$T/stderr' && grep -q 'set forward 0.100 s' '$T/stderr'"
"$RGQ" --db "$T/clock.db" alerts --until 2026-11-01T00:00:06Z >/dev/null 2>"$T/stderr"
check "a range clear of the steps says nothing of them" "! grep -q 'wall clock' '$T/stderr'"
"$RGQ" --db "$T/clock.db" replay --rules "$RG_SOURCE_DIR/config/rules.d" --quiet >/dev/null 2>"$T/stderr" || true
check "replay does not count a clock step among the gaps that lost events" \
	"grep -q 'gaps inside the range' '$T/stderr' && ! grep -q 'clock_step' '$T/stderr'"

# --- errors ------------------------------------------------------------------------
WANT="unknown command 'frobnicate'" expect 2 "unknown command" q frobnicate
WANT="unknown or incomplete option '--bogus'" expect 2 "unknown option" q events --bogus
WANT="unknown or incomplete option '--path'" expect 2 "an option of another command" q alerts --path /x
WANT="bad --format 'xml'" expect 2 "bad format" q --format xml events
WANT="No such file or directory" expect 1 "a missing database" "$RGQ" --db "$T/none.db" events
printf 'not a database at all, just some text that is long enough\n' >"$T/text.db"
WANT="text.db" expect 1 "a file that is not a database" "$RGQ" --db "$T/text.db" events
sqlite3 "$T/other.db" "CREATE TABLE t (x); INSERT INTO t VALUES (1);"
WANT="not a rand-guard database" expect 1 "an SQLite file that is not ours" "$RGQ" --db "$T/other.db" events
cp "$T/copy.db" "$T/newer.db" && sqlite3 "$T/newer.db" "PRAGMA user_version = 99"
WANT="newer rand-guard \(schema 99" expect 1 "a newer schema" "$RGQ" --db "$T/newer.db" events
WANT="read-only" expect 1 "sql: a write is refused" q sql "DELETE FROM alerts"
WANT="read-only|unable to open" expect 1 "sql: an ATTACH that would create a file is refused" q sql "ATTACH '$T/x.db' AS x; CREATE TABLE x.t (a)"
check "and nothing was written" "[[ \$(sql1 'SELECT count(*) FROM alerts') -gt 0 && ! -e '$T/x.db' ]]"
WANT="no such table" expect 1 "sql: an error is one line" q sql "SELECT * FROM nope"
WANT="--rules PATH or --sigma PATH is required" expect 2 "replay without rules" q replay
printf '[rule "B"]\nname = b\nseverity = low\nmatch = pathx prefix /\n' >"$T/bad.rules"
WANT="bad.rules:4: rule \"B\": unknown field 'pathx'" expect 2 "replay with a broken rule file: file:line" \
	q replay --rules "$T/bad.rules"
mkdir -p "$T/sigma/sub"
printf 'title: t\nid: 11111111-0000-4000-8000-000000000001\nlogsource:\n  product: linux\n  category: process_creation\ndetection:\n  s:\n    Image|endswith: /bash\n  condition: s\n' >"$T/sigma/sub/ok.yml"
printf 'title: u\nid: 11111111-0000-4000-8000-000000000002\nlogsource:\n  product: linux\n  category: process_creation\ndetection:\n  s:\n    Hashes: x\n  condition: s\n' >"$T/sigma/skip.yaml"
WANT="sigma: 2 files: 1 rules loaded, 1 skipped, 0 for other products" \
	expect 0 "replay --sigma: the load report, subdirectories read" q replay --sigma "$T/sigma"
WANT="skip.yaml \(11111111-0000-4000-8000-000000000002\): skipped: field 'Hashes' has no rand-guard counterpart" \
	expect 0 "replay --sigma: a skipped rule and its reason" q replay --sigma "$T/sigma"
WANT="11111111-0000-4000-8000-000000000001" expect 0 "replay --sigma: its rule's alerts" q replay --sigma "$T/sigma"
printf 'title: [x\n' >"$T/sigma/bad.yml"
WANT="bad.yml:2: YAML: " expect 2 "replay --sigma with a file that is not YAML: file:line" \
	q replay --sigma "$T/sigma"
WANT="no process with pid 99999" expect 1 "tree of an unknown pid" q tree 99999
WANT="--path selects file events" expect 2 "events --path with only process types" q events --path /x --type process
WANT="--pid or --proc-id, not both" expect 2 "--pid and --proc-id together" q events --pid 1 --proc-id 1
WANT="--db or -c, not both" expect 2 "--db and -c together" "$RGQ" --db "$DB" -c "$T/rg.ini" events
WANT="'bin/bash' has a '/' but is not absolute" expect 2 "a relative glob with '/'" q events --exe bin/bash
WANT="bad time '2300-01-01'" expect 2 "a time int64 nanoseconds cannot hold" q events --since 2300-01-01
q --format csv events --proc-id 0 >"$T/out"
check "--proc-id 0 is a process id (none has it), not 'all'" "[[ \$(wc -l <'$T/out') -eq 1 ]]"
q --format json sql "SELECT 1e999 AS big, -1e999 AS small" >"$T/out"
check "json: an infinite number is null" "grep -qx '{\"big\":null,\"small\":null}' '$T/out'"
WANT="is the database being exported" expect 1 "export onto the database itself is refused" \
	q export "$DB" --force
: >"$T/busy.db-wal"
WANT="busy.db-wal exists" expect 1 "export next to a WAL is refused" q export "$T/busy.db" --force
WANT="name a PID, --proc-id ID or --container C" expect 2 "tree without a process" q tree
for c in events tree timeline alerts health gaps sql replay export; do
	WANT="^usage: rgq $c" expect 0 "rgq $c --help" "$RGQ" "$c" --help
done
WANT="^usage: rgq" expect 0 "rgq --help" "$RGQ" --help
WANT="^usage: rgq" expect 2 "rgq without a command" "$RGQ"

# works while a writer holds the database (WAL): a second connection writes
python3 - "$T/copy.db" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA journal_mode=WAL")
c.execute("BEGIN IMMEDIATE")
c.execute("INSERT INTO meta VALUES ('writer', 'busy')")
time.sleep(2)
c.commit()
PY
sleep 0.5
WANT="^time" expect 0 "rgq reads while another connection holds a write transaction" \
	"$RGQ" --db "$T/copy.db" alerts
wait

cli_done
