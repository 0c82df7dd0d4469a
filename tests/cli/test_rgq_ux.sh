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
check_eq "sql: O_SYNC and O_TMPFILE named once, unknown bits in hex" \
	"$(sql1 "SELECT rg_oflags(1 | 1052672) || ' ' || rg_oflags(2 | 4259840) || ' ' || rg_oflags(3 | 2147483648)")" \
	"O_WRONLY|O_SYNC O_RDWR|O_TMPFILE O_ACCMODE|0x80000000"
check_eq "sql: numbers without a name pass through" \
	"$(sql1 "SELECT rg_errno(3) || ' ' || ifnull(rg_errname(0), 'null') || ' ' || ifnull(rg_signame(99), 'null') || ' ' || rg_oflags(0) || ' ' || ifnull(rg_errno(NULL), 'null')")" \
	"3 null null O_RDONLY null"

# --- names beside ids: the recording's, never this machine's ---------------------------
N=$T/names.db
cp "$DB" "$N"
qn() { "$RGQ" --db "$N" "$@"; }
sqln() { "$RGQ" --db "$N" --format csv sql "$1" | tail -n +2 | tr -d '\r'; }
MID=$(sqln "SELECT start_ns FROM processes WHERE uid = 1000 ORDER BY start_ns LIMIT 1 OFFSET (SELECT count(*) / 2 FROM processes WHERE uid = 1000)")
C1=$(sqln "SELECT seq FROM file_events WHERE event_type = 'file_open' AND ts_ns < $MID ORDER BY seq DESC LIMIT 1")
C2=$(sqln "SELECT seq FROM file_events WHERE event_type = 'file_open' ORDER BY seq DESC LIMIT 1")
C3=$(sqln "SELECT seq FROM file_events WHERE event_type = 'file_open' ORDER BY seq LIMIT 1")
# uid 1000 renamed alice -> bob halfway (processes from MID on carry bob);
# uid and gid 1 are named in this machine's passwd (daemon), not in the recording
sqlite3 "$N" "UPDATE file_events SET event_type = 'file_chown', owner_uid = 1000, owner_gid = 4242 WHERE seq IN ($C1, $C2);
	UPDATE file_events SET event_type = 'file_chown', owner_uid = 1, owner_gid = 1 WHERE seq = $C3;
	UPDATE processes SET user = 'bob' WHERE uid = 1000 AND start_ns >= $MID;
	UPDATE processes SET euser = 'bob' WHERE euid = 1000 AND start_ns >= $MID;
	UPDATE processes SET login_user = 'bob' WHERE auid = 1000 AND start_ns >= $MID;"
chown_of() { qn events --limit 0 --type file_chown | grep -E "^$1 " | grep -oE 'owner [^ ]+'; }
check_eq "file_chown: the owner's names as the recording had them then" "$(chown_of "$C1")" "owner 1000(alice):4242"
check_eq "file_chown: after a rename, the later name" "$(chown_of "$C2")" "owner 1000(bob):4242"
check_eq "file_chown: an id the recording never named stays a number (not this machine's name)" \
	"$(chown_of "$C3")" "owner 1:1"
CR=$(sqln "SELECT seq FROM system_events WHERE event_type = 'cred_change' AND old_uid = 0 AND uid = 33 LIMIT 1")
check_re "cred_change: the ids it went from and to, named" \
	"$(qn --format json events --limit 0 --type cred_change | grep "\"seq\":$CR,")" \
	'"detail":"uid 0\(root\)->33\(www-data\) euid 0\(root\)->33\(www-data\)'
check_eq "sql: rg_uid and rg_gid, NULL for NULL" \
	"$(sqln "SELECT rg_uid(0, 1, 0) || ' ' || rg_gid(0, 1, 0) || ' ' || rg_uid(77, 1, 0) || ' ' || rg_uid(0, NULL, 0) || ' ' || ifnull(rg_gid(NULL, 1, 0), 'null')")" \
	"0(root) 0(root) 77 0 null"
LP=$(sqln "SELECT proc_id FROM processes WHERE auid = 1000 AND login_user = 'alice' AND group_name IS NOT NULL LIMIT 1")
check_re "tree: gid and group name, the login uid and its name" \
	"$(qn tree --proc-id "$LP" | grep -E ' this ')" ' 1000 +alice +1000 +alice +[^ ]+ +1000 +alice '
qn --format json tree --proc-id "$LP" | grep '"relation":"this"' >"$T/out"
check "json tree: gid, group_name, auid and login_user as recorded" \
	"python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).read()); assert (r[\"gid\"], r[\"group_name\"], r[\"auid\"], r[\"login_user\"]) == (1000, \"alice\", 1000, \"alice\"), r' '$T/out'"

# --- alerts show the command line ----------------------------------------------------
q --format json alerts --limit 1 >"$T/out"
check "alerts: the process's command line is a column" \
	"python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).read()); assert r[\"cmdline\"], r' '$T/out'"
q --format json alerts --limit 0 | python3 -c 'import json,sys
for l in sys.stdin: r = json.loads(l); print("%s %s" % (r["proc_id"], r["user"] or ""))' >"$T/out"
check_eq "alerts: user is the name on the alerted process's row (a JSON key)" "$(cat "$T/out")" \
	"$(sql1 "SELECT a.proc_id || ' ' || ifnull(p.user, '') FROM alerts a LEFT JOIN processes p USING (proc_id) ORDER BY a.seq")"
check "the fixture's alerted processes have more than one user" \
	"[[ \$(cut -d' ' -f2 '$T/out' | sort -u | grep -c .) -gt 1 ]]"
check_re "alerts table: user beside the command line" "$(q alerts --limit 1 | head -1)" ' steps +user +cmdline *$'

# --- tables a person can use -------------------------------------------------------
widest() { python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' "$1"; }
q --width 110 events --limit 50 >"$T/out"
check "--width 110: no line is wider than 110 columns" "[[ \$(widest '$T/out') -le 110 ]]"
check "--width 110: times stay whole" "[[ \$(grep -cE '^[0-9]+ +2026-11-01T[0-9:.]{18}Z ' '$T/out') -eq 50 ]]"
q --width 60 events --limit 50 >"$T/out"
check "--width 60: every column gives way, down to 8 columns a cell" "grep -q '2026-\\.\\.\\.  ' '$T/out' && grep -q 'file_\\.\\.\\.  ' '$T/out'"
q events --limit 50 >"$T/out"
check "not a terminal and no --width: rows are not fitted" "[[ \$(widest '$T/out') -gt 120 ]]"
LONG="SELECT hex(zeroblob(150)) AS long"
check_re "a table cuts a cell at 120 bytes" "$(q sql "$LONG" | tail -1)" '^0{117}\.\.\.$'
check_re "--wide shows the whole cell" "$(q --wide sql "$LONG" | tail -1)" '^0{300}$'
check_re "--width N: a fitted cell ends in ..." "$(q --width 40 sql "$LONG" | tail -1)" '^0{37}\.\.\.$'
q events --limit 20 >"$T/out"
check "not a terminal: no colour" "! grep -q $'\\e\\[' '$T/out'"
q --color=always events --limit 20 --type process_start >"$T/out"
check "--color=always: event types in colour (green for process)" "grep -q $'\\e\\[32mprocess_start\\e\\[0m' '$T/out'"
q --color=always alerts --limit 20 >"$T/out"
check "--color=always: severities in colour" "grep -qE $'\\e\\[(1;31|31|33|36)m(critical|high|medium|low)\\e\\[0m' '$T/out'"
NO_COLOR=1 q --color=always events --limit 5 >"$T/out"
check "--color=always wins over NO_COLOR (an explicit choice)" "grep -q $'\\e\\[' '$T/out'"
q --color=always --format json events --limit 5 >"$T/out"
check "colour is for tables only" "! grep -q $'\\e\\[' '$T/out'"
WANT="bad --color 'blue'" expect 2 "--color takes auto, always or never" q --color blue events
WANT="bad --width" expect 2 "--width takes a number of columns" q --width x events
WANT="bad --tz" expect 2 "--tz takes utc or local" q --tz mars events

q events --type file_write --since 2030-01-01 >"$T/out" 2>"$T/err"
check_re "no rows: one line on stderr naming the filter" "$(cat "$T/err")" \
	'^rgq events: no rows \(--type file_write --since 2030-01-01\)$'
check_eq "no rows: the table is its header alone" "$(wc -l <"$T/out")" 1
q --format json alerts --rule NO-SUCH-RULE >"$T/out" 2>"$T/err"
check "no rows in JSON: nothing on stdout, the note on stderr" \
	"[[ ! -s '$T/out' ]] && grep -q 'rgq alerts: no rows (--rule NO-SUCH-RULE)' '$T/err'"
q gaps --since 2030-01-01 >/dev/null 2>"$T/err"
check "gaps: no rows said too" "grep -q 'rgq gaps: no rows' '$T/err'"
q sql "SELECT 1 WHERE 0" >/dev/null 2>"$T/err"
check_eq "sql: an empty result said too (without the SQL again)" "$(cat "$T/err")" "rgq sql: no rows"

q events --format json --limit 2 >"$T/out"
check "global options after the command: --format json" \
	"[[ \$(wc -l <'$T/out') -eq 2 ]] && python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' '$T/out'"
"$RGQ" events --limit 1 --db "$DB" --format csv >"$T/out"
check "global options after the command: --db" "[[ \$(head -1 '$T/out' | tr -d '\r') == seq,time,* ]]"
WANT="rgq: --db or -c, not both" expect 2 "--db and --config, wherever given, exclude each other" \
	"$RGQ" --db "$DB" events --config /nonexistent.ini

first=$(sql1 "SELECT rg_time(min(ts_ns)) FROM process_events")
TZ=Europe/Berlin q --tz local events --oldest --limit 1 --type process >"$T/out"
check_re "--tz local: times in the local zone with its offset" "$(tail -1 "$T/out")" \
	"${first:0:11}01:${first:14:15}\+01:00"
TZ=Europe/Berlin q --tz local --format csv events --oldest --limit 1 --since "${first:0:10} 01:${first:14:15}" >"$T/out"
check_re "--tz local: a time without a zone is local time" "$(tail -1 "$T/out")" "${first:0:11}01:${first:14:15}\+01:00"
TZ=Europe/Berlin q events --oldest --limit 1 --type process >"$T/out"
check_re "default: UTC, whatever TZ says" "$(tail -1 "$T/out")" "${first}"

q --format json alerts >"$T/out"
check "json: a sequence alert's steps are a JSON array of numbers" \
	"python3 -c 'import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
seq=[r for r in rows if r[\"steps\"] is not None]
assert seq and all(isinstance(r[\"steps\"], list) and all(isinstance(x, int) for x in r[\"steps\"]) for r in seq)' '$T/out'"

RGQ_PAGER="touch $T/paged" q events --limit 5 >/dev/null
check "not a terminal: no pager" "[[ ! -e '$T/paged' ]]"

# --- better questions ------------------------------------------------------------------
q --format csv events --uid 1000 --limit 0 >"$T/out"
n_uid=$(sql1 "SELECT (SELECT count(*) FROM process_events WHERE uid = 1000) + (SELECT count(*) FROM file_events WHERE uid = 1000) + (SELECT count(*) FROM network_events WHERE uid = 1000) + (SELECT count(*) FROM system_events WHERE uid = 1000)")
check "events --uid: that user's events, all of them ($n_uid)" \
	"[[ $n_uid -gt 0 && \$(tail -n +2 '$T/out' | wc -l) -eq $n_uid && \$(tail -n +2 '$T/out' | cut -d, -f6 | sort -u) == 1000 ]]"
CMD=$(sql1 "SELECT cmdline FROM processes WHERE cmdline LIKE 'cat %' LIMIT 1")
q --format csv events --cmdline "${CMD#cat }" --limit 0 >"$T/out"
n_cmd=$(sql1 "SELECT count(*) FROM file_events WHERE proc_id IN (SELECT proc_id FROM processes WHERE instr(cmdline, '${CMD#cat }'))")
check "events --cmdline: events of processes whose command line has the text" \
	"[[ $n_cmd -gt 0 && \$(tail -n +2 '$T/out' | grep -c ',file_') -eq $n_cmd ]]"
q --format csv events --grep 'O_WRONLY|O_CREAT|o_trunc' --limit 0 >"$T/out"
check "events --grep: text of the detail as shown, case folded" \
	"[[ \$(tail -n +2 '$T/out' | wc -l) -gt 0 ]] && ! tail -n +2 '$T/out' | grep -v 'O_WRONLY|O_CREAT|O_TRUNC' | grep -q ."
DSEQ=$(sql1 "SELECT seq FROM network_events WHERE event_type = 'network_connect' ORDER BY seq LIMIT 1")
sqlite3 "$DB" "UPDATE network_events SET event_type = 'dns_query', dns_query = 'example.org', dns_type = 'A' WHERE seq = $DSEQ"
check_eq "events --type dns: the DNS rows alone" "$(q --format csv events --type dns --limit 0 | tail -n +2 | cut -d, -f1,3 | tr -d '\r')" "$DSEQ,dns_query"
check_re "events --help names the dns family" "$(q events --help)" 'process, file, network, dns, system'
q --format csv events --limit 0 | tail -n +2 | awk -F, '$7 == "alice"' | cut -d, -f1 | sort -n >"$T/want"
q --format csv events --user alice --limit 0 | tail -n +2 | cut -d, -f1 | sort -n >"$T/out"
check "events --user NAME: exactly the rows whose user column is NAME ($(wc -l <"$T/want") rows)" \
	"[[ -s '$T/want' ]] && diff '$T/want' '$T/out'"
check_eq "events --user and --type: process_start rows by their own name" \
	"$(q --format csv events --user alice --type process_start --limit 0 | tail -n +2 | wc -l)" \
	"$(sql1 "SELECT count(*) FROM process_events WHERE event_type = 'process_start' AND user = 'alice'")"
check_eq "events --user: a name nobody had gives no rows" \
	"$(q --format csv events --user nosuchuser --limit 0 2>/dev/null | wc -l)" 1
q --format json alerts --user alice --limit 0 >"$T/out"
check "alerts --user NAME: the alerts on that user's processes, all of them" \
	"[[ \$(wc -l <'$T/out') -gt 0 && \$(wc -l <'$T/out') -eq \$(sql1 \"SELECT count(*) FROM alerts a JOIN processes p USING (proc_id) WHERE p.user = 'alice'\") ]] && ! grep -v '\"user\":\"alice\"' '$T/out'"
WANT="'x' is not a number" expect 2 "events --uid takes a number" q events --uid x
WANT="unknown or incomplete option '--uid'" expect 2 "--uid is an events option" q alerts --uid 0

# tree: every image a process went through; an exit the recorder missed
SH=$(sql1 "SELECT proc_id FROM processes WHERE exit_ns IS NOT NULL AND parent_proc_id IS NOT NULL ORDER BY proc_id DESC LIMIT 1")
PAR_EXE=$(sql1 "SELECT exe FROM process_events WHERE event_type = 'process_relationship' AND child_proc_id = $SH")
OWN_EXE=$(sql1 "SELECT group_concat(exe, ' > ') FROM (SELECT exe FROM process_events WHERE event_type = 'process_start' AND proc_id = $SH ORDER BY seq)")
q --format json tree --proc-id "$SH" | grep '"relation":"this"' >"$T/out"
check_eq "tree: images, the parent's at the fork then each exec's" \
	"$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read())["images"])' "$T/out")" "$PAR_EXE > $OWN_EXE"
sqlite3 "$DB" "UPDATE processes SET exit_ns = NULL, exit_code = NULL, signal = NULL WHERE proc_id = $SH"
check_re "tree: a process whose exit the stopped recorder did not see is marked" \
	"$(q tree --proc-id "$SH" | grep -E ' this ')" 'exit unseen: recorder stopped'
sqlite3 "$DB" "UPDATE runs SET stopped_ns = NULL WHERE run_id = (SELECT max(run_id) FROM runs);
	INSERT INTO run_processes (run_id, proc_id, uid, euid, auid) SELECT max(run_id), $SH, 0, 0, 0 FROM runs"
check_re "tree: one the running recorder found at its start is running" \
	"$(q tree --proc-id "$SH" | grep -E ' this ')" ' running '

# --container for tree and timeline, as events and alerts have it
CT=$(sql1 "SELECT container_id FROM processes WHERE container_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
CS=${CT:0:12}
q --format csv tree --container "$CS" | tail -n +2 | tr -d '\r' >"$T/out"
check_eq "tree --container: every process of the container, each once" \
	"$(awk -F, -v c="$CT" '$9 == c' "$T/out" | cut -d, -f4 | sort -n | uniq -d | wc -l) $(awk -F, -v c="$CT" '$9 == c' "$T/out" | cut -d, -f4 | sort -nu | tr '\n' ' ')" \
	"0 $(sql1 "SELECT proc_id FROM processes WHERE container_id = '$CT' ORDER BY proc_id" | tr '\n' ' ')"
check_eq "tree --container: one tree for each process whose parent is outside it" \
	"$(awk -F, '$3 == "this"' "$T/out" | cut -d, -f4 | tr '\n' ' ')" \
	"$(sql1 "SELECT proc_id FROM processes p WHERE container_id = '$CT' AND parent_proc_id NOT IN (SELECT proc_id FROM processes WHERE container_id = '$CT') ORDER BY start_ns, proc_id" | tr '\n' ' ')"
check "tree --container: the ancestors outside it, once" \
	"[[ \$(awk -F, '\$3 == \"ancestor\"' '$T/out' | wc -l) -gt 0 && \$(cut -d, -f4 '$T/out' | sort | uniq -d | wc -l) -eq 0 ]]"
WANT="name a PID, --proc-id ID or --container C" expect 2 "tree: a PID or --container, not both" q tree 1 --container "$CS"
q tree --container ffff >"$T/out" 2>"$T/err"
check_eq "tree --container: none of its processes, no rows said" "$(cat "$T/err")" "rgq tree: no rows (--container ffff)"
n_ev=$(q --format csv events --container "$CS" --limit 0 | tail -n +2 | wc -l)
n_al=$(q --format csv alerts --container "$CS" | tail -n +2 | wc -l)
q --format csv timeline --container "$CS" | tail -n +2 >"$T/out"
check "timeline --container: its events ($n_ev) and alerts ($n_al), in time order" \
	"[[ $n_ev -gt 0 && $n_al -gt 0 && \$(wc -l <'$T/out') -eq $((n_ev + n_al)) && \$(grep -c ',alert,' '$T/out') -eq $n_al ]] && cut -d, -f2 '$T/out' | sort -c"
ROOT=$(sql1 "SELECT proc_id FROM processes WHERE parent_proc_id IS NULL ORDER BY proc_id LIMIT 1")
q --format csv timeline --proc-id "$ROOT" --descendants --container "$CS" | tail -n +2 | cut -d, -f5 | sort -nu >"$T/out"
check "timeline --descendants --container: only the container's processes of the tree" \
	"[[ -s '$T/out' ]] && ! grep -qvxF -f <(sql1 \"SELECT proc_id FROM processes WHERE container_id = '$CT'\") '$T/out'"
WANT="--descendants goes with --pid or --proc-id" expect 2 "timeline --container --descendants: refused" q timeline --container "$CS" --descendants

# timeline --path: a download, then what ran it: the image, a script of an
# interpreter, a failed exec
W=$(sql1 "SELECT seq FROM file_events WHERE event_type = 'file_write' ORDER BY seq LIMIT 1")
E1=$(sql1 "SELECT seq FROM process_events WHERE event_type = 'process_start' AND seq > $W ORDER BY seq LIMIT 1")
E2=$(sql1 "SELECT seq FROM process_events WHERE event_type = 'process_start' AND seq > $E1 ORDER BY seq LIMIT 1")
E3=$(sql1 "SELECT seq FROM process_events WHERE event_type = 'process_exit' AND seq > $E2 ORDER BY seq LIMIT 1")
sqlite3 "$DB" "UPDATE file_events SET path = '/tmp/dl/x.sh', exe = '/usr/bin/curl' WHERE seq = $W;
	UPDATE process_events SET exe = '/usr/bin/bash', script = '/tmp/dl/x.sh' WHERE seq = $E1;
	UPDATE process_events SET exe = '/tmp/dl/x.sh' WHERE seq = $E2;
	UPDATE process_events SET event_type = 'process_exec_failed', path = '/tmp/dl/x.sh', result = -13 WHERE seq = $E3"
q --format csv timeline --path /tmp/dl/x.sh >"$T/out"
check_eq "timeline --path: the download, the interpreter, the exec, the failed exec, in order" \
	"$(tail -n +2 "$T/out" | cut -d, -f1,3,8 | tr -d '\r' | tr '\n' ' ')" \
	"$W,file_write,/usr/bin/curl $E1,process_start,/usr/bin/bash $E2,process_start,/tmp/dl/x.sh $E3,process_exec_failed,$(sql1 "SELECT exe FROM process_events WHERE seq = $E3") "
check_re "timeline --path: the failed exec's errno by name" "$(q timeline --path '/tmp/dl/*.sh' | grep process_exec_failed)" '-13 EACCES *$'

cli_done
