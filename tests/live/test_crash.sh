#!/usr/bin/env bash
# Live: kill -9 of the recorder during a heavy event storm. The database
# must open and pass PRAGMA integrity_check, hold every event committed
# before the kill (only the tail may be lost: the newest stored event is
# close to the kill, and every marker file older than it is there), and
# the next start must append a new run and record the time it was down as
# a recorder_down gap. While it runs, a second recorder on its files is
# refused; its lock goes with the kill.
source "$(dirname "$0")/lib.sh"
live_require
live_tap

mkdir -p "$T/w/storm" "$T/w/marks"
rg_config
cat >>"$T/rg.ini" <<INI
[file]
watch_paths = $T/w
INI
rg_start
KILLED_PID=$RG_PID

# one recorder per file: a second on the same database, or on the same
# NDJSON file, is refused before it writes (exit 2, one line); on old
# builds it would record for 2 s and exit 0
second() { # what, expected pattern, args
	local rc=0
	timeout 20 "$RG" -c "$T/rg.ini" --duration 2 "${@:3}" >/dev/null 2>"$T/second.err" || rc=$?
	check_eq "a second recorder on $1 is refused: exit 2" "$rc" 2
	grep -v "no rules directory" "$T/second.err" >"$T/second.why" || true
	check_eq "a second recorder on $1: one line on stderr" "$(wc -l <"$T/second.why")" 1
	check_re "a second recorder on $1: it says why" "$(cat "$T/second.why")" "$2"
}
second "the database" "$T/rg.db: another rand-guard is recording to it" --ndjson ''
second "the NDJSON file" "$T/events.ndjson: another rand-guard is recording to it" --db "$T/other.db"
check_eq "the refused recorder created no database" "$([[ -e "$T/other.db" ]] && echo made || echo none)" none
kill -0 "$RG_PID" 2>/dev/null || fail "the first recorder died"

# the storm: opens as fast as one process can, on a watched path
"$RG_BUILD_DIR/rg-workload" open 100000000 "$T/w/storm/f" >/dev/null 2>&1 &
STORM=$!
trap 'kill "$STORM" "${MARKS:-}" 2>/dev/null || true; cleanup' EXIT
# the markers: one new file every few ms, each named by its creation time
python3 - "$T/w/marks" <<'PY' &
import os, sys, time
d = sys.argv[1]
end = time.time() + 4.5
i = 0
while time.time() < end:
    i += 1
    with open(os.path.join(d, "m%06d-%d" % (i, time.time_ns())), "w") as f:
        f.write("x")
    time.sleep(0.003)
PY
MARKS=$!
sleep 4
# what it writes is the owner's only: the database, its WAL and shm, the NDJSON
for f in "$T/rg.db" "$T/rg.db-wal" "$T/rg.db-shm" "$T/events.ndjson"; do
	check_eq "${f##*/} is mode 0600 (the owner's only)" "$(stat -c %a "$f")" 600
done
KILL_NS=$(date +%s%N)
kill -9 "$RG_PID"
wait "$RG_PID" 2>/dev/null || true
RG_PID=
wait "$MARKS"
kill "$STORM" 2>/dev/null || true
wait "$STORM" 2>/dev/null || true

check_eq "after kill -9 in a storm the database opens and passes integrity_check" \
	"$(sql "PRAGMA integrity_check")" ok

rg_start
sleep 1
rg_stop

stored=$(sql "SELECT count(*) FROM file_events WHERE path LIKE '$T/w/storm/%'")
check_num "the storm stored more than 1000 rows before the kill: a storm" "$stored" '>' 1000
echo "# the storm stored $stored open events before the kill"
python3 - "$T/rg.db" "$T/w/marks" "$KILL_NS" <<'PY' || fail "the checks of what the kill lost stopped"
import os, sqlite3, sys
from tap import check
db, d, kill_ns = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
have = {r[0] for r in con.execute(
    "SELECT path FROM file_events WHERE event_type = 'file_open' AND path LIKE ?", (d + "/%",))}
newest = con.execute("SELECT max(ts_ns) FROM file_events WHERE seq < "
                     "(SELECT first_seq FROM runs WHERE run_id = 2)").fetchone()[0] or 0
# the storm outruns the reader, and still health rows (where losses are
# counted) kept their 1 s interval up to the kill
last_health = con.execute("SELECT max(ts_ns) FROM health WHERE run_id = 1").fetchone()[0] or 0
check(kill_ns - last_health < 3_000_000_000, "health rows kept coming in the storm, up to the kill",
      f"the last health row before the kill is {(kill_ns - last_health) / 1e9:.2f} s old")
# what was lost is at most the tail: the newest stored event is close to the
# kill, and every marker older than it (by a batch interval) is stored,
# unless it fell in a window whose loss was counted (a drop gap) or that
# the restart declared unaccounted (the recorder_down gap, from the last
# health row: a storm's drops after it were never counted)
check(kill_ns - newest < 5_000_000_000,
      "only the tail was lost: the newest stored event is close to the kill", f"newest stored event {(kill_ns - newest) / 1e9:.2f} s before the kill")
gaps = con.execute("SELECT start_ns, end_ns FROM gaps WHERE reason IN "
                   "('kernel_drop', 'user_drop', 'recorder_down')").fetchall()
cut = newest - 300_000_000
marks = [(int(n.split("-")[1]), os.path.join(d, n)) for n in os.listdir(d)]
old = [(t, p) for t, p in marks if t < cut]
missing = [p for t, p in old if p not in have and not any(a <= t <= b for a, b in gaps)]
check(len(old) > 100, "more than 100 markers older than the newest stored event by a batch", len(old))
check(not missing,
      "every marker older than the newest stored event (by a batch) is stored or in a gap", (len(missing), len(old), sorted(missing)[:3]))
print(f"# newest stored event {(kill_ns - newest) / 1e6:.0f} ms before the kill; "
      f"{len(old)} markers older than it by 300 ms; {len(have)} stored in all")
PY

check_eq "the killed recorder's lock went with it: the next one starts (runs|without a clean stop)" \
	"$(sql "SELECT count(*), sum(stopped_ns IS NULL) FROM runs")" "2|1"
got=$(sql "SELECT count(*) FROM gaps WHERE reason = 'recorder_down' AND run_id = 2
           AND start_ns = (SELECT max(ts_ns) FROM health WHERE run_id = 1)
           AND start_ns <= $KILL_NS AND end_ns >= $KILL_NS")
check_eq "the next start appends run 2 and records the downtime, from run 1's last health row, as a recorder_down gap" \
	"$got" 1
[[ "$got" == 1 ]] || sql "SELECT * FROM gaps" | sed 's/^/#   gaps: /'
live_done
