#!/usr/bin/env bash
# Live: signed checkpoints of the hash chain (docs/threat-model.md, "Signed
# checkpoints"). The real recorder makes its key (0600) at the first start,
# signs the chain head every second here and at a clean stop, in the
# database and in NDJSON. A kill -9 leaves an unsigned tail that verifies
# clean; after a restart and a clean stop everything is signed. Then each
# forgery is caught: a recording re-signed with a new key (by the expected
# fingerprint and by the shipped checkpoints), a chain rewritten and
# re-signed with the host's own key (by the shipped checkpoints only), an
# edited checkpoint line, an edited checkpoint row.
source "$(dirname "$0")/lib.sh"
live_require
live_tap
RGQ=$RG_BUILD_DIR/rgq
FORGE=$RG_BUILD_DIR/rg-forge

mkdir -p "$T/w"
rg_config
printf '[store]\ncheckpoint_s = 1\n[rules]\nallow_none = true\n' >>"$T/rg.ini"
rg_watch "$T/w"
KEY=$T/rg.db.key

"$RG" -c "$T/rg.ini" --check-config >"$T/check0" 2>&1 || true
check_re "--check-config before the first start: the key is made then" \
	"$(grep '^signing key' "$T/check0")" "does not exist yet"

rg_start
busy "$T/w" 3 &
BUSY=$!
trap 'kill "$BUSY" 2>/dev/null || true; cleanup' EXIT
sleep 2.5 # killed while it commits a batch every 50 ms, a checkpoint a second
kill -9 "$RG_PID"
wait "$RG_PID" 2>/dev/null || true
RG_PID=
wait "$BUSY" || true
check_eq "the key file is made 0600" "$(stat -c %a "$KEY")" 600
check_re "its making is said with its fingerprint" "$(cat "$T/stderr")" \
	"made a new signing key $KEY \(fingerprint [0-9a-f]{32}\)"
check_num "the killed run signed checkpoints" "$(sql "SELECT count(*) FROM checkpoints")" '>=' 2
check_run "after kill -9 the recording verifies intact" "$T/v1" "$RGQ" --db "$T/rg.db" verify
signed=$(sql "SELECT max(link) FROM checkpoints")
last=$(sql "SELECT max(link) FROM chain")
if ((signed < last)); then
	check_re "with its unsigned tail reported, not as tampering" "$(cat "$T/v1")" \
		$'\nunsigned  links '"$((signed + 1))-$last"': the tail since the last checkpoint'
else # the kill came right after a checkpoint: no tail to report
	check_eq "no unsigned tail: the last link before the kill was signed" \
		"$(grep -c '^unsigned' "$T/v1" || true)" 0
fi

rg_start
busy "$T/w" 1
rg_stop
"$RG" -c "$T/rg.ini" --check-config >"$T/check1" 2>&1 || true
FPR=$(sed -nE 's/^signing key: .* fingerprint ([0-9a-f]{32})$/\1/p' "$T/check1")
PUB=$(sed -nE 's/^signing key: public key ([0-9a-f]{64})$/\1/p' "$T/check1")
check_eq "--check-config prints the fingerprint meta holds" "$FPR" \
	"$(sql "SELECT value FROM meta WHERE key = 'signing_key_fpr'")"
check_eq "and the public key" "$PUB" "$(sql "SELECT value FROM meta WHERE key = 'signing_pubkey'")"
check_eq "the clean stop's link is signed" \
	"$(sql "SELECT max(link) FROM checkpoints")" "$(sql "SELECT max(link) FROM chain")"
n_db=$(sql "SELECT count(*) FROM checkpoints")
n_nd=$(grep -c '"event_type":"checkpoint"' "$T/events.ndjson" || true)
check_eq "every checkpoint went out in NDJSON" "$n_nd" "$n_db"
echo "$PUB" >"$T/pub"
check_run "with the known key and the shipped checkpoints it verifies intact" "$T/v2" \
	"$RGQ" --db "$T/rg.db" verify --key-fpr "$FPR" --pubkey "$T/pub" --checkpoints "$T/events.ndjson"
check_re "every shipped checkpoint agrees" "$(cat "$T/v2")" \
	"shipped   $n_db of $n_db checkpoints in .* agree with the chain"
check_re "nothing is left unsigned after a clean stop" "$(grep -c '^unsigned' "$T/v2" || true)" '^0$'

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/new.key"
echo >>"$T/new.key"
cp "$KEY" "$T/stolen.key"
S=$(sql "SELECT seq FROM file_events WHERE path LIKE '$T/w/%' ORDER BY seq LIMIT 1 OFFSET 20")
"$RGQ" --db "$T/rg.db" verify --all >"$T/links" || true
L=$(awk -v s="$S" '$1 == "link" && $7 == "seq" {
	split($8, r, "-"); if (s >= r[1] && s <= r[2]) { print $2; exit } }' "$T/links")
check_re "the link that covers the edited row" "$L" '^[0-9]+$'
NEWFPR=none

# forgery NAME SETUP: a copy of the recording ($T/f.db) made by SETUP;
# then each `expect RC REGEX ARGS...` runs verify on it.
forgery() {
	cp "$T/rg.db" "$T/f.db"
	cp "$T/events.ndjson" "$T/f.ndjson"
	FORGERY=$1
	eval "$2"
}
expect() {
	local want=$1 re=$2 rc=0
	shift 2
	"$RGQ" --db "$T/f.db" verify "$@" >"$T/fv" 2>&1 || rc=$?
	check_eq "$FORGERY: verify $* exits $want" "$rc" "$want"
	check_re "$FORGERY: verify $* says so" "$(cat "$T/fv")" "$re"
}

forgery "re-signed with a new key" '"$FORGE" "$T/f.db" "$T/new.key" 999999999'
NEWFPR=$(sqlite3 "$T/f.db" "SELECT value FROM meta WHERE key = 'signing_key_fpr'")
expect 0 'intact: [0-9]+ links' # alone, a new key cannot be told from the host's
expect 1 "KEY +[0-9]+ checkpoints .* signed by key $NEWFPR, not by the expected key $FPR" --key-fpr "$FPR"
expect 1 "KEY .* signed by key $NEWFPR, not by the expected key $FPR" --pubkey "$PUB"
expect 1 "SHIPPED +line [0-9]+: link [0-9]+ was shipped signed by key $FPR, the database's checkpoints by key $NEWFPR" \
	--checkpoints "$T/f.ndjson"

forgery "an event edited, the chain rewritten and re-signed with a new key" \
	'sqlite3 "$T/f.db" "UPDATE file_events SET path = '"'/tmp/innocent'"' WHERE seq = $S" &&
	 "$FORGE" "$T/f.db" "$T/new.key" "$L"'
expect 0 'intact: [0-9]+ links'
expect 1 "KEY .* not by the expected key $FPR" --key-fpr "$FPR"
# (the heads before the edit are the same: those differ by their key)
expect 1 "SHIPPED +line [0-9]+: link [0-9]+('s head as shipped .* is not the database's| was shipped signed by key $FPR, the database's checkpoints by key $NEWFPR)" \
	--checkpoints "$T/f.ndjson"

forgery "an event edited, the chain rewritten and re-signed with the stolen key" \
	'sqlite3 "$T/f.db" "UPDATE file_events SET path = '"'/tmp/innocent'"' WHERE seq = $S" &&
	 "$FORGE" "$T/f.db" "$T/stolen.key" "$L"'
expect 0 'intact: [0-9]+ links' --key-fpr "$FPR" # what the key's thief can do locally
expect 1 "SHIPPED +line [0-9]+: link [0-9]+'s head as shipped .* is not the database's: the chain was rewritten" \
	--key-fpr "$FPR" --checkpoints "$T/f.ndjson"

forgery "a shipped checkpoint line edited" 'python3 - "$T/f.ndjson" <<-"PY"
	import json, sys
	lines = open(sys.argv[1]).read().splitlines()
	for i, l in enumerate(lines):
	    if "\"checkpoint\"" in l:
	        o = json.loads(l)
	        o["link"] += 1
	        lines[i] = json.dumps(o, separators=(",", ":"))
	        break
	open(sys.argv[1], "w").write("\n".join(lines) + "\n")
	PY'
expect 1 "SHIPPED +line [0-9]+: the checkpoint of link [0-9]+ does not verify: the line was edited" \
	--checkpoints "$T/f.ndjson"

forgery "a checkpoint row's head edited" \
	'sqlite3 "$T/f.db" "UPDATE checkpoints SET head = zeroblob(32) WHERE link = (SELECT min(link) FROM checkpoints)"'
expect 1 "SIGNATURE checkpoint of link [0-9]+ does not verify: it was edited"

forgery "the newest links cut with their checkpoints" \
	'sqlite3 "$T/f.db" "DELETE FROM checkpoints WHERE link > (SELECT min(link) FROM checkpoints); DELETE FROM chain WHERE link > (SELECT min(link) FROM checkpoints) + 1"'
expect 1 "SHIPPED +line [0-9]+: link [0-9]+ was shipped signed .* but the database's chain ends at link" \
	--checkpoints "$T/f.ndjson"

chmod 640 "$KEY"
rc=0
"$RG" -c "$T/rg.ini" --duration 1 >/dev/null 2>"$T/refused" || rc=$?
check_eq "a key file group can read: the start is refused (exit 2)" "$rc" 2
check_re "with the reason" "$(cat "$T/refused")" "readable by group or others \(mode 0640\)"

live_done
