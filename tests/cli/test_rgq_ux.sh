# test_rgq_ux.sh: rgq for a person: readable values in tables (errno,
# signal and open flag names, the unset login uid) with the raw numbers kept
# in JSON and CSV; table layout, colour, pager, empty results, global
# options after the command; the questions of events, alerts, tree and
# timeline --path. On an rg-gen fixture with a few rows set by hand.
source "$(dirname "$0")/lib.sh"
RGQ=$RG_BUILD_DIR/rgq
DB=$T/ux.db
"$RG_BUILD_DIR/rg-gen" --db "$DB" --events 6000 --runs 2 --pid-max 1500 \
	--rules "$RG_SOURCE_DIR/config/rules.d" 2>"$T/err" && ok "rg-gen builds the fixture" ||
	nok "rg-gen builds the fixture"
q() { "$RGQ" --db "$DB" "$@"; }
sql1() { q --format csv sql "$1" | tail -n +2 | tr -d '\r'; }

# Known values on known rows: an open refused with EACCES and flags 577
# (O_WRONLY|O_CREAT|O_TRUNC) mode 0644, a connect in progress (-115), an
# exit by SIGKILL.
FSEQ=$(sql1 "SELECT seq FROM file_events WHERE event_type = 'file_open' ORDER BY seq DESC LIMIT 1")
NSEQ=$(sql1 "SELECT seq FROM network_events WHERE event_type = 'network_connect' ORDER BY seq DESC LIMIT 1")
XSEQ=$(sql1 "SELECT seq FROM process_events WHERE event_type = 'process_exit' ORDER BY seq DESC LIMIT 1")
XPROC=$(sql1 "SELECT proc_id FROM process_events WHERE seq = $XSEQ")
sqlite3 "$DB" "UPDATE file_events SET result = -13, flags = 577, mode = 420 WHERE seq = $FSEQ;
	UPDATE network_events SET result = -115 WHERE seq = $NSEQ;
	UPDATE process_events SET signal = 9, exit_code = 0 WHERE seq = $XSEQ;
	UPDATE processes SET signal = 9, exit_code = 0, auid = 4294967295 WHERE proc_id = $XPROC;"

# --- readable values ---------------------------------------------------------------
row() { q events --limit 0 --type "$1" | grep -E "^$2 "; }
check_re "table: an open's result by errno name" "$(row file_open "$FSEQ")" '-13 EACCES *$'
check_re "table: an open's flags and mode by name" "$(row file_open "$FSEQ")" \
	' O_WRONLY\|O_CREAT\|O_TRUNC mode 0644 '
check_re "table: a connect in progress" "$(row network_connect "$NSEQ")" '-115 EINPROGRESS *$'
check_re "table: an exit by a signal names it" "$(row process_exit "$XSEQ")" 'signal 9 SIGKILL'
q --format json events --limit 0 --type file_open | grep "\"seq\":$FSEQ," >"$T/out"
check "json: the result stays a number, its name beside it" \
	"python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).read()); assert r[\"result\"] == -13 and r[\"result_name\"] == \"EACCES\", r' '$T/out'"
q --format csv events --limit 0 --type network_connect | grep "^$NSEQ," | tr -d '\r' >"$T/out"
check_re "csv: the result stays a number, its name beside it" "$(cat "$T/out")" ',-115,EINPROGRESS$'
check_re "tree: the unset login uid reads unset; the status names the signal" \
	"$(q tree --proc-id "$XPROC" | grep -E "^[0-9]+ +[0-9 ]+ +this ")" ' unset .* signal 9 SIGKILL '
q --format json tree --proc-id "$XPROC" | grep '"relation":"this"' >"$T/out"
check "json tree: auid stays the number" \
	"python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).read()); assert r[\"auid\"] == 4294967295, r' '$T/out'"
check_eq "sql: the decoders are SQL functions too" \
	"$(sql1 "SELECT rg_errno(-2) || ' ' || rg_errname(13) || ' ' || rg_signame(15) || ' ' || rg_oflags(524288 | 2) || ' ' || rg_auid(4294967295) || ' ' || rg_auid(7)")" \
	"-2 ENOENT EACCES SIGTERM O_RDWR|O_CLOEXEC unset 7"
check_eq "sql: numbers without a name pass through" \
	"$(sql1 "SELECT rg_errno(3) || ' ' || ifnull(rg_errname(0), 'null') || ' ' || ifnull(rg_signame(99), 'null') || ' ' || rg_oflags(0) || ' ' || ifnull(rg_errno(NULL), 'null')")" \
	"3 null null O_RDONLY null"

# --- alerts show the command line ----------------------------------------------------
q --format json alerts --limit 1 >"$T/out"
check "alerts: the process's command line is a column" \
	"python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).read()); assert r[\"cmdline\"], r' '$T/out'"

cli_done
