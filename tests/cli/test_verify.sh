# test_verify.sh: `rgq verify` on recordings from synthetic events
# (tests/bench/rg-gen.c, through the recorder's own store, so the chain is
# the one the writer builds), each tampered with one way: every case must
# be found, with its table and key, and pruning must not count as one.
source "$(dirname "$0")/lib.sh"
RGQ=$RG_BUILD_DIR/rgq
GEN=$RG_BUILD_DIR/rg-gen

DB=$T/clean.db
"$GEN" --db "$DB" --events 20000 --runs 2 --rules "$RG_SOURCE_DIR/config/rules.d" 2>"$T/err" &&
	ok "rg-gen builds the fixture" || nok "rg-gen builds the fixture"
sql1() { sqlite3 "$1" "$2"; }

WANT='^intact: 10 links' expect 0 "an untouched recording verifies intact" "$RGQ" --db "$DB" verify
WANT='^verified  links 1-10: seq 1-' expect 0 "it reports the verified range" "$RGQ" --db "$DB" verify
check_eq "every evidence table is covered (no row outside the chain)" \
	"$(grep -c -E 'ADDED|UNCHAINED' "$T/out" || true)" 0
"$RGQ" --db "$DB" export "$T/copy.db" 2>"$T/err"
WANT='^intact: 10 links' expect 0 "a whole export verifies as the database" \
	"$RGQ" --db "$T/copy.db" verify

# Links as the recorder made them before grouped sections (a hash a row,
# schema 29 and older) still verify, and name an edited row.
cp "$DB" "$T/ungrouped.db"
"$RG_BUILD_DIR/rg-forge" --ungroup "$T/ungrouped.db" 2>"$T/err"
check_eq "rg-forge --ungroup leaves no grouped section" \
	"$(sql1 "$T/ungrouped.db" "SELECT count(*) FROM chain WHERE hex(substr(rows, 1, 1)) >= '80'")" 0
WANT='^intact: 10 links' expect 0 "links with a hash a row verify intact" \
	"$RGQ" --db "$T/ungrouped.db" verify
S=$(sql1 "$DB" "SELECT seq FROM file_events ORDER BY seq LIMIT 1 OFFSET 777")
sql1 "$T/ungrouped.db" "UPDATE file_events SET path = '/tmp/innocent' WHERE seq = $S"
WANT="^EDITED +file_events $S \(link [0-9]+\): the row differs from what was committed\$" \
	expect 1 "and an edit there is named by its row's own hash" "$RGQ" --db "$T/ungrouped.db" verify

# tamper NAME WANT SQL: a copy of the fixture changed by SQL must fail
# verify with a line matching WANT.
tamper() {
	local name=$1 want=$2 sql=$3
	cp "$DB" "$T/$name.db"
	sqlite3 "$T/$name.db" "$sql" 2>"$T/err" || { nok "$name: $sql"; return; }
	WANT=$want expect 1 "$name is found" "$RGQ" --db "$T/$name.db" verify
	grep -q '^NOT INTACT' "$T/out" && ok "$name: the verdict is NOT INTACT" ||
		nok "$name: the verdict is NOT INTACT"
}

S=$(sql1 "$DB" "SELECT seq FROM file_events ORDER BY seq LIMIT 1 OFFSET 777")
tamper "an event field edited" "^EDITED +file_events $S \(link [0-9]+\)" \
	"UPDATE file_events SET path = '/tmp/innocent' WHERE seq = $S"
# An edit made to keep the row's 1-byte tag (the row's hash's first byte,
# which names the edited row of its group of 16) still changes its group's
# hash: the group is named.
S=$(sql1 "$DB" "SELECT seq FROM file_events ORDER BY seq LIMIT 1 OFFSET 555")
cp "$DB" "$T/tag.db"
check_re "rg-forge finds a path that keeps the row's tag" \
	"$("$RG_BUILD_DIR/rg-forge" --tag keep "$T/tag.db" file_events "$S" path 2>&1)" '^[0-9]+$'
WANT="^EDITED +file_events [0-9]+-[0-9]+ \(link [0-9]+\): one or more of these 16 rows differ" \
	expect 1 "an edit that kept its row's tag is found by its group" \
	"$RGQ" --db "$T/tag.db" verify
read -r lo hi < <(sed -nE 's/^EDITED +file_events ([0-9]+)-([0-9]+) .*/\1 \2/p' "$T/out")
check "the group named holds the edited row" '(( lo <= S && S <= hi ))'
check_eq "and no row of it is named alone" "$(grep -c "^EDITED +file_events [0-9]+ " "$T/out")" 0
# The last file row: its group is its section's last, most likely short.
S=$(sql1 "$DB" "SELECT max(seq) FROM file_events")
cp "$DB" "$T/tag2.db"
"$RG_BUILD_DIR/rg-forge" --tag keep "$T/tag2.db" file_events "$S" path >/dev/null
WANT="^EDITED +file_events [0-9]+-$S \(link [0-9]+\): one or more of these [0-9]+ rows differ" \
	expect 1 "so is one in a section's last group" "$RGQ" --db "$T/tag2.db" verify
# A group made to look pruned in part (a row deleted, and named as left
# out by a range export in meta, which the chain does not cover) would
# leave its other rows to their tags: verify refuses a group in part.
S=$(sql1 "$DB" "SELECT seq FROM file_events ORDER BY seq LIMIT 1 OFFSET 555")
cp "$DB" "$T/part.db"
P=$(sql1 "$DB" "SELECT max(seq) FROM file_events WHERE seq < $S")
sql1 "$T/part.db" "DELETE FROM file_events WHERE seq = $P;
	INSERT OR REPLACE INTO meta (key, value) VALUES ('export_links', '1-10'),
	  ('export_outside', 'file_events $P')"
"$RG_BUILD_DIR/rg-forge" --tag keep "$T/part.db" file_events "$S" path >/dev/null
WANT="^UNVERIFIED file_events [0-9]+-[0-9]+ \(link [0-9]+\): [0-9]+ rows of this group are here" \
	expect 1 "a group with rows gone is tampering, whatever meta says" "$RGQ" --db "$T/part.db" verify
S=$(sql1 "$DB" "SELECT seq FROM process_events ORDER BY seq LIMIT 1 OFFSET 300")
tamper "an event row deleted" "^DELETED +process_events $S \(link [0-9]+\)" \
	"DELETE FROM process_events WHERE seq = $S"
S=$(sql1 "$DB" "SELECT seq FROM network_events ORDER BY seq LIMIT 1 OFFSET 40")
tamper "consecutive rows deleted" "^DELETED +network_events $S-[0-9]+: 3 rows" \
	"DELETE FROM network_events WHERE seq IN (SELECT seq FROM network_events WHERE seq >= $S ORDER BY seq LIMIT 3)"
S=$(sql1 "$DB" "SELECT seq FROM alerts ORDER BY seq LIMIT 1 OFFSET 10")
tamper "an alert deleted" "^DELETED +alerts $S " "DELETE FROM alerts WHERE seq = $S"
S=$(sql1 "$DB" "SELECT seq FROM alerts ORDER BY seq LIMIT 1 OFFSET 3")
tamper "an alert's severity lowered" "^EDITED +alerts $S " \
	"UPDATE alerts SET severity = 'info' WHERE seq = $S"
P=$(sql1 "$DB" "SELECT proc_id FROM processes WHERE exit_ns IS NOT NULL LIMIT 1 OFFSET 20")
tamper "a process row's exe edited" "^EDITED +processes $P " \
	"UPDATE processes SET exe = '/usr/bin/true' WHERE proc_id = $P"
tamper "a gap row deleted" "^DELETED +gaps 1 " "DELETE FROM gaps WHERE gap_id = 1"
S=$(sql1 "$DB" "SELECT seq FROM process_events ORDER BY seq LIMIT 1 OFFSET 500")
tamper "an event row added among others" "^ADDED +file_events $S \(inside link [0-9]+" \
	"CREATE TEMP TABLE f AS SELECT * FROM file_events LIMIT 1; UPDATE f SET seq = $S; INSERT INTO file_events SELECT * FROM f"
tamper "a row added after the last" "^UNCHAINED +health 1[0-9]+-1[0-9]+: 1 rows after" \
	"CREATE TEMP TABLE h AS SELECT * FROM health WHERE seq = (SELECT max(seq) FROM health); UPDATE h SET seq = seq + 100000; INSERT INTO health SELECT * FROM h"
tamper "a chain link edited" "^LINK +link 3 was edited" "UPDATE chain SET ts_ns = ts_ns + 1 WHERE link = 3"
tamper "a link's row hashes edited" "^LINK +link 7: its rows list was edited" \
	"UPDATE chain SET rows = zeroblob(length(rows)) WHERE link = 7"
tamper "a link's row hashes deleted" "^LINK +link 7: its rows list was deleted \(retention did not\)" \
	"UPDATE chain SET rows = NULL WHERE link = 7"
tamper "a link's process rows edited" "^LINK +link 7 was edited" \
	"UPDATE chain SET held = zeroblob(length(held)) WHERE link = 7"
tamper "two links swapped" "^ORDER +link 3 does not follow link 2" \
	"UPDATE chain SET link = -1 WHERE link = 3; UPDATE chain SET link = 3 WHERE link = 4; UPDATE chain SET link = 4 WHERE link = -1"

# A batch deleted with its link: the link before and the one after no
# longer meet.
"$RGQ" --db "$DB" verify --all >"$T/links"
range=$(sed -nE 's/^link +3 batch .* seq ([0-9]+)-([0-9]+) ok$/\1 \2/p' "$T/links")
check_re "verify --all gives each link's seq range" "$range" '^[0-9]+ [0-9]+$'
read -r lo hi <<<"$range"
del=""
for t in process_events file_events network_events system_events alerts health; do
	del+="DELETE FROM $t WHERE seq BETWEEN $lo AND $hi; "
done
tamper "a range of rows deleted with their link" "^MISSING +links 3-3: link 4 follows link 2" \
	"$del DELETE FROM chain WHERE link = 3"

# The newest batches cut off with their links: the run says it stopped
# cleanly, the chain lacks its stop link.
lo=$(sed -nE 's/^link +9 batch .* seq ([0-9]+)-[0-9]+ ok$/\1/p' "$T/links")
del=""
for t in process_events file_events network_events system_events alerts health; do
	del+="DELETE FROM $t WHERE seq >= $lo; "
done
tamper "the tail truncated" "^TRUNCATED run 2 stopped cleanly .* before its stop link" \
	"$del DELETE FROM chain WHERE link >= 9"
tamper "the newest rows cut without their links" "^DELETED +file_events [0-9]+-[0-9]+: [0-9]+ rows, .*\(link 9\)" \
	"$del"
tamper "the chain deleted" "^NOCHAIN" "DELETE FROM chain"

# Retention: rows pruned while recording (events 3000 s to 1000 s old,
# those older than 2000 s pruned) are pruning, not tampering.
now=$(date +%s)
"$GEN" --db "$T/pruned.db" --events 20000 --rate 10 --start $((now - 3000)) --max-age 2000 \
	2>"$T/err" && ok "rg-gen records with retention" || nok "rg-gen records with retention"
check "retention pruned rows" '(( $(sql1 "$T/pruned.db" "SELECT count(*) FROM chain WHERE kind = '"'prune'"'") > 0 ))'
WANT='^pruned +[0-9]+ rows removed by retention' expect 0 "pruned rows are reported as pruning, intact" \
	"$RGQ" --db "$T/pruned.db" verify
check_re "the row lists of links wholly pruned are dropped, and that is pruning too" \
	"$(grep '^pruned' "$T/out")" 'and the row lists of [1-9][0-9]* links'
check "a dropped row list is in its prune link" \
	'[[ -n $(sql1 "$T/pruned.db" "SELECT link FROM chain WHERE kind = '"'prune'"' AND note LIKE '"'%chain %'"'") ]]'
check_eq "what a dropped row list leaves" \
	"$(sql1 "$T/pruned.db" "SELECT count(*) FROM chain WHERE rows IS NULL AND length(rows_sha) = 32")" \
	"$(sql1 "$T/pruned.db" "SELECT count(*) FROM chain WHERE rows IS NULL")"
check_eq "retention took whole hash groups: none is left in part" \
	"$(grep -c '^UNVERIFIED' "$T/out")" 0
check "retention removed the processes rows nothing left needs" \
	'[[ -n $(sql1 "$T/pruned.db" "SELECT link FROM chain WHERE kind = '"'prune'"' AND note LIKE '"'%processes %'"'") ]]'
check_eq "every row left names a process that is there, and every process its parent" \
	"$(sql1 "$T/pruned.db" "SELECT (SELECT count(*) FROM process_events WHERE proc_id NOT IN
		(SELECT proc_id FROM processes)) + (SELECT count(*) FROM file_events WHERE proc_id
		NOT IN (SELECT proc_id FROM processes)) + (SELECT count(*) FROM network_events WHERE
		proc_id NOT IN (SELECT proc_id FROM processes)) + (SELECT count(*) FROM processes
		WHERE parent_proc_id NOT IN (SELECT proc_id FROM processes)) + (SELECT count(*) FROM
		alerts WHERE proc_id NOT IN (SELECT proc_id FROM processes))")" 0
DB=$T/pruned.db
S=$(sql1 "$DB" "SELECT seq FROM file_events ORDER BY seq LIMIT 1 OFFSET 100")
tamper "a row deleted after pruning" "^DELETED +file_events $S " "DELETE FROM file_events WHERE seq = $S"
P=$(sql1 "$DB" "SELECT proc_id FROM processes WHERE exit_ns IS NOT NULL ORDER BY proc_id LIMIT 1")
tamper "a processes row deleted after pruning" "^DELETED +processes $P " "DELETE FROM processes WHERE proc_id = $P"
# A processes row retention removed, written again by the recorder (a
# later link holds it), then deleted by hand: tampering, not pruning.
K=$(sql1 "$DB" "SELECT CAST(substr(s, 1, length(s) - length(ltrim(s, '0123456789'))) AS INTEGER)
	FROM (SELECT substr(note, instr(note, 'processes ') + 10) s FROM chain WHERE kind = 'prune'
	AND note LIKE '%processes %' LIMIT 1)")
cp "$DB" "$T/rewritten.db"
"$RG_BUILD_DIR/rg-forge" --rewrite "$T/rewritten.db" "$K" 2>"$T/err" &&
	ok "the recorder's writer writes pruned processes row $K again" ||
	nok "the recorder's writer writes pruned processes row $K again: $(cat "$T/err")"
WANT='^intact' expect 0 "a pruned processes row written again verifies" \
	"$RGQ" --db "$T/rewritten.db" verify
DB=$T/rewritten.db
tamper "a processes row written again after pruning, then deleted" "^DELETED +processes $K " \
	"DELETE FROM processes WHERE proc_id = $K"
DB=$T/pruned.db
tamper "a prune link's keys widened" "^LINK +link [0-9]+ was edited" \
	"UPDATE chain SET note = note || 'file_events 1-99999999' || char(10) WHERE link = (SELECT min(link) FROM chain WHERE kind = 'prune')"

"$GEN" --db "$T/nochain.db" --events 2000 --no-chain 2>"$T/err"
WANT='^NOCHAIN' expect 1 "a recording made without the chain is not intact" \
	"$RGQ" --db "$T/nochain.db" verify
WANT='unexpected argument' expect 2 "verify takes no argument" "$RGQ" --db "$T/clean.db" verify x

cli_done
