#!/usr/bin/env bash
# Live: record a short session in two runs with exec, file and alert
# activity, then `rgq replay` with the same rules prints exactly the
# alerts table. One rule needs the lineage across the restart: its
# process's parent was running before run 2 began, so only run 2's /proc
# scan (run_processes) tells replay who the parent was. Then rgq's other
# answers about the same session: the tree of the shell, the timeline of
# the unit file, and the coverage of both runs.
source "$(dirname "$0")/lib.sh"
live_require
live_tap
RGQ=$RG_BUILD_DIR/rgq

M="rgq$$x$RANDOM"
UNIT=/etc/systemd/system/$M.service
mkdir -p "$T/rules.d" /etc/systemd/system
trap 'rm -f "$UNIT" "/dev/shm/$M-true" "/tmp/$M-true"; cleanup' EXIT
cp "$RG_SOURCE_DIR"/config/rules.d/*.rules "$T/rules.d/"
cat >"$T/rules.d/50-local.rules" <<RULES
[rule "LOCAL-PARENT-001"]
name = program from /dev/shm started by this test's shell
severity = medium
events = process_start
match = exe prefix /dev/shm
match = parent_cmdline contains $M-parent
RULES
rg_config
cat >>"$T/rg.ini" <<INI
[file]
watch_paths = /etc/systemd/system
[rules]
dir = rules.d
INI
cp /bin/true "/dev/shm/$M-true"
cp /bin/true "/tmp/$M-true"

# run 1: a unit file, an exec from /tmp; a shell that outlives the run
rg_start
echo "[Unit]" >"$UNIT"
"/tmp/$M-true"
# it runs the program once run 2 records (a file, not a timer: a slow
# restart must not let the exec fall between the runs)
bash -c "while [ ! -e $T/run2 ]; do sleep 0.05; done; /dev/shm/$M-true; : $M-parent" &
SHELL_PID=$!
sleep 0.5
rg_stop

# run 2: the shell, known only from the /proc scan, runs the /dev/shm program
rg_start
touch "$T/run2"
wait "$SHELL_PID"
rm -f "$UNIT"
sleep 1.2
rg_stop

q() { "$RGQ" --db "$T/rg.db" "$@"; }
q --format csv alerts >"$T/live.csv"
check_run "rgq replay runs" "$T/replay.csv" q --format csv replay --rules "$T/rules.d"
echo "# $(($(wc -l <"$T/live.csv") - 1)) alerts recorded in 2 runs"
for r in PERSIST-SYSTEMD-001 EXEC-TMP-001 LOCAL-PARENT-001; do
	check_num "the session raised a $r alert" "$(grep -c ",$r," "$T/live.csv" || true)" '>=' 1
done
check_eq "2 unit file alerts (write and unlink)" \
	"$(grep -c ',PERSIST-SYSTEMD-001,' "$T/live.csv" || true)" 2
check_eq "rgq replay with the same rules prints exactly the alerts table (the diff)" \
	"$(diff "$T/live.csv" "$T/replay.csv" || true)" ""

check_eq "run 2 recorded its lineage seed, the outliving shell included" \
	"$(sql "SELECT count(*) FROM run_processes r JOIN processes p USING (proc_id) WHERE r.run_id = 2
	        AND p.pid = $SHELL_PID AND hex(r.argv) LIKE '%' || hex('$M-parent') || '%'")" 1

check_run "rgq tree runs" "$T/tree.json" q --format json tree "$SHELL_PID"
python3 - "$T/tree.json" "/dev/shm/$M-true" "$M-parent" <<'PY' || fail "the rgq tree checks stopped"
import json, sys
from tap import check
rows = [json.loads(l) for l in open(sys.argv[1])]
this = [r for r in rows if r["relation"] == "this"]
check(len(this) == 1 and sys.argv[3] in this[0]["cmdline"], "rgq tree: the shell", this)
kids = [r for r in rows if r["relation"] == "descendant"]
check(any(r["exe"] == sys.argv[2] for r in kids), "rgq tree: the program it ran in run 2", kids)
check([r for r in rows if r["relation"] == "ancestor"], "rgq tree: its ancestors", "no ancestors")
PY

check_run "rgq timeline runs" "$T/tl.csv" q --format csv timeline --path "$UNIT"
python3 - "$T/tl.csv" <<'PY' || fail "the rgq timeline checks stopped"
import csv, sys
from tap import check
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
kinds = [r["event_type"] for r in rows]
check("file_write" in kinds and "file_unlink" in kinds and kinds.count("alert") == 2,
      "rgq timeline --path: the write, the unlink and their two alerts", kinds)
check("file_write" in kinds and "file_unlink" in kinds and
      kinds.index("file_write") < kinds.index("file_unlink"),
      "rgq timeline --path: in order", kinds)
PY

check_run "rgq gaps runs" "$T/gaps.csv" q --format csv gaps
check_num "rgq gaps: both runs recorded" "$(grep -c ',recorded,' "$T/gaps.csv" || true)" '>=' 2
check_eq "rgq gaps: the restart between them a gap" \
	"$(grep -c ',recorder_down,' "$T/gaps.csv" || true)" 1
live_done
