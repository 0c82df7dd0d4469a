# test_evidence.sh: evidence files. `rgq export` of a time range keeps the
# hash chain's links that cover its rows (through the next signed
# checkpoint) and prints the file's SHA-256 manifest; `rgq verify` checks
# the file alone: the rows present against their links, the rows of those
# links outside the range counted (not tampering), the checkpoints. Each
# change made to the exported file must be found.
source "$(dirname "$0")/lib.sh"
RGQ=$RG_BUILD_DIR/rgq
GEN=$RG_BUILD_DIR/rg-gen

DB=$T/signed.db
# 20 000 events at 100/s: 200 s of recording from 1793491200, a signed
# checkpoint at every batch
"$GEN" --db "$DB" --events 20000 --rate 100 --runs 2 --sign-key "$T/key" --checkpoint-s 0 \
	--rules "$RG_SOURCE_DIR/config/rules.d" 2>"$T/err" &&
	ok "rg-gen builds a signed fixture" || nok "rg-gen builds a signed fixture"
WANT='^signed    links 1-[0-9]+ by key [0-9a-f]{32}' expect 0 "the fixture verifies, signed" \
	"$RGQ" --db "$DB" verify

EX=$T/range.db
"$RGQ" --db "$DB" export "$EX" --since @1793491250 --until @1793491300 >"$T/manifest" 2>"$T/err" &&
	ok "a range export" || nok "a range export"
check_eq "it prints the file's SHA-256 manifest, as sha256sum" \
	"$(cat "$T/manifest")" "$(cd "$(dirname "$EX")" && sha256sum "$EX")"
check "and names the links it carries" 'grep -qE "with chain links [0-9]+-[0-9]+" "$T/err"'
links=$(sqlite3 "$EX" "SELECT min(link) || '-' || max(link) FROM chain")
check_eq "the links are those meta names" "$links" \
	"$(sqlite3 "$EX" "SELECT value FROM meta WHERE key = 'export_links'")"
check "fewer links than the recording has" \
	'(( $(sqlite3 "$EX" "SELECT count(*) FROM chain") < $(sqlite3 "$DB" "SELECT count(*) FROM chain") ))'
check "the last carried link is signed" \
	'[[ $(sqlite3 "$EX" "SELECT max(link) FROM checkpoints") == $(sqlite3 "$EX" "SELECT max(link) FROM chain") ]]'

WANT='^intact: ' expect 0 "the export verifies without the original" "$RGQ" --db "$EX" verify
check_re "with its rows outside the range counted, not as tampering" "$(cat "$T/out")" \
	"export    links $links of the recording: [1-9][0-9]* rows of theirs are outside the exported range"
check_re "and its checkpoints checked" "$(cat "$T/out")" "signed    links $links by key"

# edited NAME WANT SQL: a copy of the export changed by SQL fails verify
# with a line matching WANT.
edited() {
	cp "$EX" "$T/e.db"
	sqlite3 "$T/e.db" "$3" 2>"$T/err" || { nok "$1: $3"; return; }
	WANT=$2 expect 1 "$1 is found in the export" "$RGQ" --db "$T/e.db" verify
}
S=$(sqlite3 "$EX" "SELECT seq FROM file_events ORDER BY seq LIMIT 1 OFFSET 100")
edited "an event row edited" "^EDITED +file_events $S \(link [0-9]+\)" \
	"UPDATE file_events SET path = '/tmp/innocent' WHERE seq = $S"
# schema/031: the command lines of the process rows it keeps, no other
check "it keeps the command lines of its process rows, and no other" \
	'[[ $(sqlite3 "$EX" "SELECT count(*) FROM cmdlines WHERE id NOT IN (SELECT cmdline_id FROM process_rows WHERE cmdline_id IS NOT NULL)") == 0 && $(sqlite3 "$EX" "SELECT count(*) FROM process_rows WHERE cmdline_id NOT IN (SELECT id FROM cmdlines)") == 0 && $(sqlite3 "$EX" "SELECT count(*) FROM cmdlines") -gt 0 && $(sqlite3 "$EX" "SELECT count(*) FROM cmdlines") -lt $(sqlite3 "$DB" "SELECT count(*) FROM cmdlines") ]]'
# and the actors of the rows it keeps, no other
check "it keeps the actors of its rows, and no other" \
	'[[ $(sqlite3 "$EX" "SELECT count(*) FROM actors WHERE id NOT IN (SELECT actor_id FROM process_rows UNION SELECT actor_id FROM file_rows UNION SELECT actor_id FROM network_rows)") == 0 && $(sqlite3 "$EX" "SELECT count(*) FROM file_rows WHERE actor_id NOT IN (SELECT id FROM actors)") == 0 && $(sqlite3 "$EX" "SELECT count(*) FROM actors") -gt 0 && $(sqlite3 "$EX" "SELECT count(*) FROM actors") -lt $(sqlite3 "$DB" "SELECT count(*) FROM actors") ]]'
# schema/034: and the images and names they have, no other (a directory or
# binary seen only outside the range is not in the export)
REFS="SELECT event_type_id AS id FROM process_rows UNION SELECT syscall_id FROM process_rows UNION SELECT exe_sha256_id FROM process_rows UNION SELECT hash_status_id FROM process_rows UNION SELECT event_type_id FROM file_rows UNION SELECT syscall_id FROM file_rows UNION SELECT dir_id FROM file_rows UNION SELECT event_type_id FROM network_rows UNION SELECT syscall_id FROM network_rows UNION SELECT family_id FROM network_rows UNION SELECT protocol_id FROM network_rows UNION SELECT local_addr_id FROM network_rows"
check "it keeps the names of its rows, and no other" \
	'[[ $(sqlite3 "$EX" "SELECT count(*) FROM names WHERE id NOT IN (SELECT id FROM ($REFS) WHERE id IS NOT NULL)") == 0 && $(sqlite3 "$EX" "SELECT count(*) FROM ($REFS) r WHERE r.id IS NOT NULL AND r.id NOT IN (SELECT n.id FROM names n)") == 0 && $(sqlite3 "$EX" "SELECT count(*) FROM names") -gt 0 && $(sqlite3 "$EX" "SELECT count(*) FROM names") -lt $(sqlite3 "$DB" "SELECT count(*) FROM names") ]]'
check "and the images of its actors, no other" \
	'[[ $(sqlite3 "$EX" "SELECT count(*) FROM images WHERE id NOT IN (SELECT image_id FROM actors WHERE image_id IS NOT NULL)") == 0 && $(sqlite3 "$EX" "SELECT count(*) FROM actors WHERE image_id NOT IN (SELECT id FROM images)") == 0 && $(sqlite3 "$EX" "SELECT count(*) FROM images") -gt 0 && $(sqlite3 "$EX" "SELECT count(*) FROM images") -lt $(sqlite3 "$DB" "SELECT count(*) FROM images") ]]'
S=$(sqlite3 "$EX" "SELECT seq FROM process_rows WHERE cmdline_id IS NOT NULL ORDER BY seq LIMIT 1 OFFSET 30")
edited "a command line edited" "^EDITED +process_events .*\(link [0-9]+\)" \
	"UPDATE cmdlines SET cmdline = 'innocent' WHERE id = (SELECT cmdline_id FROM process_rows WHERE seq = $S)"
S=$(sqlite3 "$EX" "SELECT seq FROM process_events ORDER BY seq LIMIT 1 OFFSET 30")
edited "an event row deleted" "^DELETED +process_events $S " "DELETE FROM process_events WHERE seq = $S"
edited "the last carried link cut" "^TRUNCATED the export's chain ends at link" \
	"DELETE FROM chain WHERE link = (SELECT max(link) FROM chain)"
edited "a checkpoint edited" "^SIGNATURE checkpoint of link [0-9]+ does not verify" \
	"UPDATE checkpoints SET ts_ns = ts_ns + 1"
cp "$EX" "$T/e.db"
sqlite3 "$T/e.db" "UPDATE file_events SET path = '/tmp/innocent' WHERE seq = (SELECT min(seq) FROM file_events)"
check "the manifest tells an edited file too" \
	'! sha256sum -c <(sed "s|  .*|  $T/e.db|" "$T/manifest") >/dev/null 2>&1'

expect 0 "a whole export" "$RGQ" --db "$DB" export "$T/whole.db"
WANT='^intact: ' expect 0 "verifies as the database, with no export line" "$RGQ" --db "$T/whole.db" verify
check "(no export line)" '! grep -q "^export" "$T/out"'

# the checkpoints as the central ClickHouse gives them (docs/fleet.md): one
# JSON object a line, its 64-bit integers quoted (JSONEachRow's default)
sqlite3 "$DB" "SELECT json_object('event_type', 'checkpoint', 'ts_ns', CAST(ts_ns AS TEXT),
	'host', host, 'run_id', CAST(run_id AS TEXT), 'link', CAST(link AS TEXT), 'head',
	lower(hex(head)), 'pubkey', lower(hex(pubkey)), 'sig', lower(hex(sig)))
	FROM checkpoints ORDER BY link" >"$T/central.ndjson"
NCP=$(sqlite3 "$DB" "SELECT count(*) FROM checkpoints")
WANT="^shipped +$NCP of $NCP checkpoints in .* agree" expect 0 \
	"checkpoints with quoted integers (ClickHouse's JSONEachRow) are read" \
	"$RGQ" --db "$DB" verify --checkpoints "$T/central.ndjson"
sed -i '1s/"link":"\([0-9]*\)"/"link":"\1x"/' "$T/central.ndjson"
WANT="^SHIPPED +line 1: a checkpoint line without its link" expect 1 \
	"a quoted integer with more than digits is refused" \
	"$RGQ" --db "$DB" verify --checkpoints "$T/central.ndjson"

cli_done
