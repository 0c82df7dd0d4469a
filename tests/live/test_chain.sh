#!/usr/bin/env bash
# Live: the hash chain across a crash. A recorder killed with kill -9 while
# it writes, then started again and stopped cleanly, leaves a recording
# that `rgq verify` finds intact: every commit carried its link, the
# crashed run simply has no stop link, and the new run starts its own.
# It verifies while the recorder writes, too. Tampering after that is
# still found.
source "$(dirname "$0")/lib.sh"
live_require
live_tap
RGQ=$RG_BUILD_DIR/rgq

mkdir -p "$T/w"
rg_config
rg_watch "$T/w"
rg_start
busy "$T/w" 3 & # a steady writer of our own files: what the recorder stores
WRITER=$!
trap 'kill "$WRITER" 2>/dev/null || true; cleanup' EXIT
sleep 2
kill -9 "$RG_PID"
wait "$RG_PID" 2>/dev/null || true
RG_PID=
wait "$WRITER" || true

check_run "after kill -9 the recording verifies intact" "$T/verify1" "$RGQ" --db "$T/rg.db" verify
check_re "and says so" "$(tail -1 "$T/verify1")" '^intact: [0-9]+ links$'
check_num "the killed run committed links" "$(sql "SELECT count(*) FROM chain WHERE kind = 'batch'")" '>' 2

rg_start
for i in $(seq 20); do echo y >"$T/w/g$i"; done
# while it records: one read transaction sees links and rows of one moment
busy "$T/w" 2 &
WRITER=$!
sleep 0.5
check_run "while the recorder writes, the recording verifies intact" "$T/verify-live" \
	"$RGQ" --db "$T/rg.db" verify
wait "$WRITER" || true
rg_stop

check_run "after a restart and a clean stop it verifies intact" "$T/verify2" "$RGQ" --db "$T/rg.db" verify
check_eq "each run has its start link" "$(sql "SELECT group_concat(run_id) FROM (SELECT run_id FROM chain WHERE kind = 'start' ORDER BY link)")" "1,2"
check_eq "only the clean stop has a stop link" "$(sql "SELECT group_concat(run_id) FROM chain WHERE kind = 'stop'")" "2"
stored=$(sql "SELECT count(*) FROM file_events WHERE path LIKE '$T/w/%'")
check_num "the runs stored our files' events" "$stored" '>' 20

# one of our events edited: found, with its seq
S=$(sql "SELECT seq FROM file_events WHERE path LIKE '$T/w/%' ORDER BY seq LIMIT 1 OFFSET 10")
cp "$T/rg.db" "$T/edited.db"
python3 - "$T/edited.db" "$S" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("UPDATE file_events SET path = '/tmp/elsewhere' WHERE seq = ?", (int(sys.argv[2]),))
con.commit()
PY
rc=0
"$RGQ" --db "$T/edited.db" verify >"$T/verify3" 2>&1 || rc=$?
check_eq "an edited event: verify exits 1" "$rc" 1
# by its row's tag, or (one edit in 256 keeps the tag) by its group of 16
check_re "and names it" "$(cat "$T/verify3")" \
	"EDITED +file_events ($S |[0-9]+-[0-9]+ \(link [0-9]+\): one or more of these)"

live_done
