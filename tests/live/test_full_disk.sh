#!/usr/bin/env bash
# Live: the database on a small filesystem (a 16 MiB tmpfs) that fills up.
# The recorder keeps running and keeps writing NDJSON (elsewhere), counts
# the rows it could not store, records the lost window as a store_failure
# gap once it can, and stores again when space returns; the database
# passes integrity_check.
# A private mount namespace: the tmpfs goes away with the test, even when
# the test is killed (a ctest timeout) before its trap can unmount it.
if [[ -z "${RG_IN_MOUNT_NS:-}" ]] && command -v unshare >/dev/null && [[ $(id -u) -eq 0 ]]; then
	RG_IN_MOUNT_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
live_require
command -v mount >/dev/null || live_skip "needs mount for a size-limited tmpfs"
live_tap

SMALL=$T/small
mkdir -p "$SMALL" "$T/w"
mount -t tmpfs -o size=16m rg-test "$SMALL" || live_skip "cannot mount a tmpfs here"
trap 'umount -l "$SMALL" 2>/dev/null; cleanup' EXIT
rg_config
sed -i "s|^db = .*|db = $SMALL/rg.db|" "$T/rg.ini"
rg_watch "$T/w"
sqldb() {
	python3 - "$SMALL/rg.db" "$1" <<-'PY'
	import sqlite3, sys
	con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
	for row in con.execute(sys.argv[2]):
	    print("|".join("" if v is None else str(v) for v in row))
	PY
}
rg_start
"$RG_BUILD_DIR/rg-workload" open 2000 "$T/w/before" >/dev/null
sleep 0.5

# fill the filesystem, then make events that cannot be stored
dd if=/dev/zero of="$SMALL/filler" bs=64k 2>/dev/null || true
"$RG_BUILD_DIR/rg-workload" open 20000 "$T/w/during" >/dev/null
sleep 2
kill -0 "$RG_PID" || fail "the recorder died on a full disk"
ok "on a full disk the recorder keeps running"
check_re "the full disk is reported on stderr" "$(cat "$T/stderr")" "store: database or disk is full"
check_eq "on a full disk NDJSON has all 20000 events" \
	"$(grep -c "\"path\":\"$T/w/during\"" "$T/events.ndjson" || true)" 20000

# space returns: storing resumes
rm -f "$SMALL/filler"
sleep 1.5
"$RG_BUILD_DIR/rg-workload" open 2000 "$T/w/after" >/dev/null
sleep 1.5
rg_stop

check_eq "the database passes integrity_check" "$(sqldb "PRAGMA integrity_check")" ok
n_before=$(sqldb "SELECT count(*) FROM file_events WHERE path = '$T/w/before'")
n_during=$(sqldb "SELECT count(*) FROM file_events WHERE path = '$T/w/during'")
n_after=$(sqldb "SELECT count(*) FROM file_events WHERE path = '$T/w/after'")
echo "# stored: before $n_before, during $n_during, after $n_after"
check_eq "before the disk filled all 2000 events are stored" "$n_before" 2000
check_eq "storing resumes when space returns: all 2000 after it stored" "$n_after" 2000
check_num "the disk filled: not all 20000 events stored while it was full" "$n_during" '<' 20000

read -r failures gapsum < <(sqldb "SELECT (SELECT store_failures FROM health ORDER BY seq DESC LIMIT 1),
	(SELECT coalesce(sum(count), 0) FROM gaps WHERE reason = 'store_failure')" | tr '|' ' ')
echo "# store_failure gaps hold $gapsum rows; $failures failed writes counted"
check_num "store failures are counted" "$failures" '>' 0
check_num "the lost window is a store_failure gap" "$gapsum" '>' 0
check_num "the store_failure gaps hold no more than the failures counted" "$gapsum" '<=' "$failures"
lost=$((20000 - n_during))
check_num "the store_failure gaps cover the $lost events lost while full" "$gapsum" '>=' "$lost"
live_done
