#!/usr/bin/env bash
# Live: retention on a running recorder. With [store] max_size_mb = 2, a
# burst of watched opens pushes the database past the bound; while the
# recorder keeps recording, the oldest rows are pruned until the pages in
# use are back near the bound, the pruned range is one `pruned` gap that
# rgq gaps shows, the newest events stay, and the file is intact. The
# processes and actors rows of a burst of execs a minute before it go too
# (nothing left names them), with the image and SHA-256 of the binary they
# ran and the directory of opens before them, and rgq verify tells all of
# it from tampering.
source "$(dirname "$0")/lib.sh"
live_require
live_tap

mkdir -p "$T/w/job"
# a job's own binary: a copy of true that no other process runs (its
# SHA-256 is its own)
cp "$(type -P true)" "$T/job-tool"
printf 'rand-guard %s' "$$" >>"$T/job-tool"
tool_sha=$(sha256sum "$T/job-tool" | cut -d' ' -f1)
rg_config
rg_watch "$T/w"
sed -i 's/^\[store\]$/[store]\nmax_size_mb = 2/' "$T/rg.ini"
rg_start
"$RG_BUILD_DIR/rg-workload" open 100 "$T/w/job/first" >/dev/null
execs=$("$RG_BUILD_DIR/rg-workload" exec 50 "$T/job-tool" | sed 's/.*"pid":\([0-9]*\).*/\1/')
sleep 61 # retention keeps a processes row for a minute after the exit
# past two blocks of 65 536 seqs: the execs' block goes whole, and their
# actors, images and names with it (docs/schema.md, dict_blocks)
"$RG_BUILD_DIR/rg-workload" open 140000 "$T/w/early" >/dev/null
sleep 1
"$RG_BUILD_DIR/rg-workload" open 2000 "$T/w/late" >/dev/null
for _ in $(seq 40); do # pruning runs once a second, between batches
	sleep 0.5
	used=$(sql "SELECT (SELECT page_count FROM pragma_page_count) - (SELECT freelist_count FROM pragma_freelist_count)")
	((used * 4096 < 3 * 1048576)) && break
done
rg_stop

used=$(sql "SELECT ((SELECT page_count FROM pragma_page_count) - (SELECT freelist_count FROM pragma_freelist_count)) * (SELECT page_size FROM pragma_page_size)")
check_num "over max_size_mb the data is pruned back near the 2 MiB bound (bytes)" \
	"$used" '<' $((3 * 1048576))
# The newest events stay: what was recorded after them is far under the
# bound. On a host busy with other work (a build's execs, with their argv,
# while the test runs) what came after them can fill the 2 MiB between two
# pruning turns; then they go too, and what is checked is the order: not
# one while anything older remains. "After them" is measured in NDJSON
# bytes (about twice a row's in SQLite): over 2 MiB is busy.
read -r late_ts after < <(python3 - "$T/events.ndjson" "$T/w/late" <<-'PY'
	import json, sys
	late_ts, after = None, 0
	for line in open(sys.argv[1], "rb"):
	    if late_ts is not None:
	        after += len(line)
	    if b'"event_type":"file_open"' in line and json.loads(line).get("path") == sys.argv[2]:
	        late_ts = late_ts or json.loads(line)["ts_ns"]
	        after = 0
	print(late_ts, after)
	PY
)
late=$(sql "SELECT count(*) FROM file_events WHERE path = '$T/w/late'")
if ((after < 2 * 1048576)); then
	check_eq "the newest events stay" "$late" 2000
else
	echo "# $after NDJSON bytes came after the newest events: the host was busy"
	older=$(sql "SELECT (SELECT count(*) FROM file_events WHERE ts_ns < $late_ts) + (SELECT count(*) FROM process_events WHERE ts_ns < $late_ts) + (SELECT count(*) FROM network_events WHERE ts_ns < $late_ts) + (SELECT count(*) FROM system_events WHERE ts_ns < $late_ts)")
	check_eq "the newest events stay, or go only after every older one" \
		"$(( late == 2000 || older == 0 ))" 1
fi
read -r pruned gap < <(sql "SELECT (SELECT rows_pruned FROM health ORDER BY seq DESC LIMIT 1),
	(SELECT count FROM gaps WHERE reason = 'pruned')" | tr '|' ' ')
# the last health row is written before the store closes: the gap may count more
echo "# rows_pruned $pruned, pruned gap count $gap"
check_num "the oldest events are pruned while recording (health rows_pruned)" "$pruned" '>' 40000
check_num "one pruned gap holds them (its count)" "$gap" '>=' "$pruned"
check_eq "integrity_check after pruning" "$(sql "PRAGMA integrity_check")" ok
check_eq "the early execs' processes rows are pruned (nothing left names them)" \
	"$(sql "SELECT count(*) FROM processes WHERE pid = $execs OR ppid = $execs")" 0
check_eq "and their actors rows" \
	"$(sql "SELECT count(*) FROM actors WHERE pid = $execs OR ppid = $execs")" 0
check_eq "every event row left names an actor that is there" \
	"$(sql "SELECT (SELECT count(*) FROM process_rows WHERE actor_id NOT IN (SELECT id FROM
		actors)) + (SELECT count(*) FROM file_rows WHERE actor_id NOT IN (SELECT id FROM
		actors)) + (SELECT count(*) FROM network_rows WHERE actor_id NOT IN (SELECT id FROM
		actors))")" 0
# recorded, then pruned: the NDJSON has what the database no longer has
check_num "the job's binary ran, hashed (NDJSON)" "$(grep -c "$tool_sha" "$T/events.ndjson")" '>' 0
check_num "and the opens before it (NDJSON)" \
	"$(grep -c "\"path\":\"$T/w/job/first\"" "$T/events.ndjson")" '>=' 100
check_eq "the job's binary's image is gone with them" \
	"$(sql "SELECT count(*) FROM images WHERE exe = '$T/job-tool'")" 0
check_eq "and its SHA-256's names row" \
	"$(sql "SELECT count(*) FROM names WHERE name = '$tool_sha'")" 0
check_eq "and the directory of the opens before them" \
	"$(sql "SELECT count(*) FROM names WHERE name = '$T/w/job/'")" 0
check_eq "every event row left names the names and images that are there" \
	"$(sql "WITH n AS (SELECT id FROM names) SELECT (SELECT count(*) FROM file_rows WHERE
		dir_id NOT IN n OR event_type_id NOT IN n OR syscall_id NOT IN n) + (SELECT count(*)
		FROM process_rows WHERE event_type_id NOT IN n OR syscall_id NOT IN n OR exe_sha256_id
		NOT IN n OR hash_status_id NOT IN n) + (SELECT count(*) FROM network_rows WHERE
		event_type_id NOT IN n OR syscall_id NOT IN n OR family_id NOT IN n OR protocol_id NOT
		IN n OR local_addr_id NOT IN n) + (SELECT count(*) FROM actors WHERE image_id NOT IN
		(SELECT id FROM images))")" 0
check_num "the pruned processes rows are in prune links" \
	"$(sql "SELECT count(*) FROM chain WHERE kind = 'prune' AND note LIKE '%processes %'")" '>' 0
check_eq "every event row left names a processes row that is there" \
	"$(sql "SELECT (SELECT count(*) FROM process_events WHERE proc_id NOT IN (SELECT proc_id
		FROM processes)) + (SELECT count(*) FROM file_events WHERE proc_id NOT IN (SELECT
		proc_id FROM processes)) + (SELECT count(*) FROM processes WHERE parent_proc_id NOT IN
		(SELECT proc_id FROM processes))")" 0
check_run "rgq verify: the pruning is told from tampering" "$T/verify.txt" \
	"$RG_BUILD_DIR/rgq" --db "$T/rg.db" verify
check_run "rgq gaps runs" "$T/gaps.csv" "$RG_BUILD_DIR/rgq" --db "$T/rg.db" --format csv gaps
check_re "rgq gaps shows the pruned range" "$(cat "$T/gaps.csv")" ",pruned,$gap,"
live_done
