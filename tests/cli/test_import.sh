#!/usr/bin/env bash
# CLI: rgq import. rg-gen records through the recorder's pipeline into a
# database and NDJSON at once; the NDJSON imported must give the same rows
# (every column of every event table, alerts, health, gaps; processes as
# far as the lines carry them) and `rgq replay` the same alerts on both.
# Then the shipped stream's troubles: stdin, resent lines, this round's
# keys (time, host, boot_id, trigger), a lost event line, and bad lines.
source "$(dirname "$0")/lib.sh"
B=$RG_BUILD_DIR
S=$RG_SOURCE_DIR
RULES=$S/config/rules.d
cd "$T"

"$B/rg-gen" --db a.db --events 4000 --rules "$RULES" --ndjson a.ndjson --gap-every 700 \
	--seed 7 >/dev/null 2>"$T/err"
check "rg-gen made a recording and its NDJSON" '[[ -s a.db && -s a.ndjson ]]'

expect 0 "rgq import of the NDJSON succeeds" "$B/rgq" import -o b.db a.ndjson
cp "$T/out" summary
check_re "the summary counts events, alerts, health and gaps" "$(cat summary)" \
	"events +4000 .*alerts +[1-9][0-9]*[[:space:]].*health +[1-9].*gaps +[1-9].*skipped +0[[:space:]]"

# every column of a table, both ways: what one has and the other lacks
differ() { # DB1 DB2 TABLE [COLUMNS]
	local cols=${4:-*}
	sqlite3 "$1" "ATTACH '$2' AS o; SELECT count(*) FROM (
		SELECT $cols FROM main.$3 EXCEPT SELECT $cols FROM o.$3);
		SELECT count(*) FROM (SELECT $cols FROM o.$3 EXCEPT SELECT $cols FROM main.$3);
		SELECT (SELECT count(*) FROM main.$3) - (SELECT count(*) FROM o.$3)" | tr '\n' ' '
}
same_rows() { # DB1 DB2 WHAT
	local t
	for t in process_events file_events network_events system_events alerts health; do
		check_eq "$3: $t, every column" "$(differ "$1" "$2" $t)" "0 0 0 "
	done
	check_eq "$3: gaps, every column but the row id" \
		"$(differ "$1" "$2" gaps 'run_id, start_ns, end_ns, count, reason, rule_id')" "0 0 0 "
}
same_rows a.db b.db "imported"
check "the tables hold rows (the comparison compared something)" \
	"[[ \$(sqlite3 b.db 'SELECT count(*) FROM file_events') -gt 100 &&
	    \$(sqlite3 b.db 'SELECT count(*) FROM alerts') -gt 5 &&
	    \$(sqlite3 b.db 'SELECT count(*) FROM gaps') -ge 1 ]]"

# Processes: rg-gen writes its own process rows (its model keeps a
# process's first cwd and uid), not the recorder's process table, so cwd,
# uid and euid are left to the live test; boot_id is not in these lines.
pcols="proc_id, pid, start_boot_ns, start_ns, ppid, parent_proc_id, gid, auid, sessionid,
	comm, exe, cmdline, argv, exe_truncated, argv_truncated, cwd_truncated, exe_memfd,
	exe_deleted, source, exit_ns, exit_code, signal, script, env, script_truncated,
	env_truncated, user, euser, group_name, login_user, sudo_user, ssh_client,
	ssh_client_port, cgroup_id, cgroup_path, container_id, container_runtime, pidns, mntns,
	netns, userns, utsns, cgroupns"
made="SELECT $pcols FROM %s.processes WHERE source != 'proc'"
check_eq "processes made by a fork or exec in the stream: every carried column" \
	"$(sqlite3 a.db "ATTACH 'b.db' AS o; SELECT count(*) FROM ($(printf "$made" main)
		EXCEPT $(printf "$made" o)); SELECT count(*) FROM ($(printf "$made" o)
		EXCEPT $(printf "$made" main))" | tr '\n' ' ')" "0 0 "
check_eq "processes running before the stream: their ids, parent, comm and exe" \
	"$(differ a.db b.db processes 'proc_id, pid, ppid, parent_proc_id, comm, exe, source')" \
	"0 0 0 "
check_eq "the lineage seed: the processes running before the stream that act in it" \
	"$(sqlite3 b.db "SELECT count(*) FROM run_processes r JOIN processes p USING (proc_id)
		WHERE p.source = 'proc'") $(sqlite3 b.db "SELECT count(*) FROM processes WHERE source = 'proc'")" \
	"$(sqlite3 b.db "SELECT count(*) FROM run_processes") $(sqlite3 b.db "SELECT count(*) FROM run_processes")"

# replay: the same alerts (user and cmdline are the processes row's, printed beside)
replay() { "$B/rgq" --db "$1" --format json replay --rules "$RULES" 2>/dev/null |
	jq -c 'del(.user, .cmdline)'; }
replay a.db >ra
replay b.db >rb
check "rgq replay on the original gives its alerts" \
	"[[ \$(wc -l <ra) -eq \$(sqlite3 a.db 'SELECT count(*) FROM alerts') ]]"
check "rgq replay on the import gives the same alerts" 'cmp -s ra rb'
expect 0 "the import's own hash chain verifies" "$B/rgq" --db b.db verify
check_eq "the import's run spans its rows" \
	"$(sqlite3 b.db "SELECT first_seq, last_seq, started_ns <= (SELECT min(ts_ns) FROM file_events), version LIKE 'import%' FROM runs")" \
	"1|$(sqlite3 a.db "SELECT max(seq) FROM (SELECT seq FROM alerts UNION ALL SELECT seq FROM health UNION ALL SELECT seq FROM file_events UNION ALL SELECT seq FROM process_events UNION ALL SELECT seq FROM network_events UNION ALL SELECT seq FROM system_events)")|1|1"
check "meta says where the rows came from, and the rules' digest" \
	"sqlite3 b.db \"SELECT value FROM meta WHERE key = 'imported_from'\" | grep -q a.ndjson &&
	 [[ \$(sqlite3 b.db \"SELECT value FROM meta WHERE key = 'rules_digest'\") == \$(sqlite3 a.db \"SELECT value FROM meta WHERE key = 'rules_digest'\") ]]"

# standard input, and a pipeline's at-least-once resend: every line twice
lines=$(wc -l <a.ndjson)
expect 0 "import from stdin" sh -c "'$B/rgq' import -o c.db - <a.ndjson"
same_rows a.db c.db "from stdin"
expect 0 "the stream sent twice: exit 0" sh -c "cat a.ndjson a.ndjson | '$B/rgq' import -o d.db -"
check_re "the resent lines are counted as duplicates" "$(cat "$T/out")" "duplicates +$lines "
same_rows a.db d.db "sent twice, stored once"

# on a terminal: a progress line on stderr (lines, rate); not in a pipe
if command -v script >/dev/null; then
	script -qec "'$B/rgq' import -o tty.db a.ndjson >/dev/null" /dev/null >tty.out 2>&1 || true
	check_re "on a terminal, progress on stderr: lines and rate" "$(tr '\r' '\n' <tty.out)" \
		"rgq import: $lines lines, [0-9]+ lines/s"
	check "not when stderr is no terminal" '! grep -q "lines/s" "$T/err"'
else
	ok "# SKIP script (util-linux) is not installed"
fi

# this round's NDJSON: time, host and boot_id on every line, the alert's
# event under "trigger"
python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    n = {"event_type": o.pop("event_type"), "time": "2026-12-02T15:36:28.123456789Z",
         "host": "web-7", "boot_id": "0f1e2d3c-aaaa-bbbb-cccc-000011112222"}
    if "event" in o:
        o["trigger"] = o.pop("event")
    host = {k: n[k] for k in ("host", "boot_id")}
    n.update(o)
    n.update(host)  # rg-gen writes these keys too (gen-host): another host here
    print(json.dumps(n, separators=(",", ":")))' <a.ndjson >new.ndjson
check "the rewritten lines have the new keys" 'grep -q "\"trigger\":" new.ndjson && ! grep -q "\"event\":{" new.ndjson'
expect 0 "import of the new keys" "$B/rgq" import -o e.db new.ndjson
same_rows a.db e.db "new keys"
check_eq "host and boot_id go to the run and the processes" \
	"$(sqlite3 e.db "SELECT host, boot_id FROM runs; SELECT DISTINCT boot_id FROM processes")" \
	"web-7|0f1e2d3c-aaaa-bbbb-cccc-000011112222
0f1e2d3c-aaaa-bbbb-cccc-000011112222"

# an event line lost on the way: its alert carries it
first_alert=$(grep -m1 -n '"event_type":"alert"' a.ndjson)
seq=$(jq -r .event_seq <<<"${first_alert#*:}")
grep -v "^{\"event_type\":\"[a-z_]*\",\"seq\":$seq," a.ndjson >lost.ndjson
check_eq "one event line left out" "$(( $(wc -l <a.ndjson) - $(wc -l <lost.ndjson) ))" 1
expect 0 "import without it" "$B/rgq" import -o f.db lost.ndjson
check_re "the summary says an event came from an alert" "$(cat "$T/out")" "1 of them only in an alert"
same_rows a.db f.db "event from its alert"

# a stream over several runs of the recorder (restarts): the same rows, as
# one run; the recorder_down gaps between runs are the store's, not in the
# NDJSON
"$B/rg-gen" --db m.db --events 3000 --runs 3 --rules "$RULES" --ndjson m.ndjson --seed 3 \
	>/dev/null 2>"$T/err"
expect 0 "import of three runs' lines" "$B/rgq" import -o mi.db m.ndjson
check_re "the summary says three runs, imported as one" "$(cat "$T/out")" "runs +3 .*imported as one run"
for t in process_events file_events network_events system_events alerts health; do
	check_eq "three runs: $t, every column" "$(differ m.db mi.db $t)" "0 0 0 "
done
check_eq "three runs: every gap but the recorder_down ones" \
	"$(sqlite3 m.db "ATTACH 'mi.db' AS o; SELECT count(*) FROM (SELECT run_id, start_ns, end_ns,
		count, reason FROM main.gaps WHERE reason != 'recorder_down' EXCEPT SELECT run_id,
		start_ns, end_ns, count, reason FROM o.gaps); SELECT count(*) FROM main.gaps WHERE
		reason = 'recorder_down'; SELECT count(*) FROM o.runs" | tr '\n' ' ')" "0 2 1 "

# ---- bad input ------------------------------------------------------------
good=$(sed -n 5p a.ndjson)
{
	sed -n 1,20p a.ndjson
	printf '%s\n' "${good:0:60}"                                   # 21: cut
	printf '%s\n' "$(sed 's/"pid":[0-9]*/"pid":"1234"/' <<<"$good")"            # 22: a string for a number
	printf '%s\n' "$(sed 's/"seq":[0-9]*/"seq":184467440737095516160/' <<<"$good")" # 23: past u64
	printf '%s\n' "$(sed 's/"pid":[0-9]*/"pid":4294967296/' <<<"$good")"          # 24: past u32
	printf '%s\n' "$(sed 's/"ts_ns":[0-9]*/"ts_ns":1.5e18/' <<<"$good")"          # 25: not an integer
	printf '%s\n' '{"event_type":"teleport","seq":99999,"ts_ns":1}'   # 26: unknown type
	printf '%s\n' 'not json at all'                                  # 27
	printf '%s\n' "$(sed 's/"pid":[0-9]*/"pid":7/' <<<"$good")"                   # 28: seq again, other values
	printf '%s\n' '{"event_type":"file_open","seq":99998,"ts_ns":1,"path":"\ud800x"}' # 29
	printf '%s\n' '{"event_type":"checkpoint","ts_ns":1,"run_id":1,"link":3,"head":"00"}' # 30: no key
	printf '%s\n' "$good"                                            # 31: a resend
	printf '%s\n' '["event_type","file_open"]'                       # 32: not an object
	printf '%s\n' '{"event_type":"file_open","ts_ns":5}'             # 33: no seq
	sed -n '21,$p' a.ndjson
	printf '%s' "${good:0:30}"                                       # a cut last line
} >bad.ndjson
expect 1 "bad lines: exit 1, the rest imported" "$B/rgq" import -o g.db bad.ndjson
cp "$T/err" bad.err
cp "$T/out" bad.out
for l in 21 22 23 24 25 26 27 28 29 30; do
	check "bad line $l reported as FILE:LINE" "grep -q '^rgq import: bad.ndjson:$l: ' bad.err"
done
check_re "a cut line says so" "$(grep ':21: ' bad.err)" "cut"
check_re "a wrong type says which key" "$(grep ':22: ' bad.err)" '"pid": wants a number'
check_re "a huge number is out of range" "$(grep ':23: ' bad.err)" '"seq": .* out of range'
check_re "past u32 is out of range" "$(grep ':24: ' bad.err)" '"pid": 4294967296 is out of range'
check_re "a conflicting resend keeps the first" "$(grep ':28: ' bad.err)" "other values"
check_re "a checkpoint without its key is a bad line" "$(grep ':30: ' bad.err)" '"pubkey": wants a string'
check "only the first ten are listed, the rest (32, 33, the cut last line) counted" "grep -q 'and 3 more' bad.err && ! grep -q ':32: ' bad.err"
check_re "the summary counts them" "$(cat bad.out)" \
	"duplicates +1[[:space:]].*conflicts +1[[:space:]].*checkpoints +0 .*skipped +12 .*1 of an unknown event_type"
same_rows a.db g.db "around the bad lines"
# a file row keeps ts_ns less boot_ns (schema/026): a pair whose difference
# does not fit in 64 bits could not be read back as written
printf '%s\n' '{"event_type":"file_open","seq":77,"ts_ns":-5,"boot_ns":9223372036854775807,"path":"/x"}' >far.ndjson
expect 1 "ts_ns and boot_ns too far apart: a bad line" "$B/rgq" import -o far.db far.ndjson
check_re "it says why" "$(cat "$T/err")" 'too far apart to store'

{ head -c 5000000 /dev/zero | tr '\0' a; echo; printf '\0{}\n\n'; sed -n 1,3p a.ndjson; } >odd.ndjson
expect 1 "a line of 5 MB and one with a NUL byte are skipped, the rest imported" \
	"$B/rgq" import -o k.db odd.ndjson
check_re "the long line is named" "$(cat "$T/err")" "odd.ndjson:1: a line longer than 4194304 bytes"
check_re "the NUL byte is named" "$(cat "$T/err")" "odd.ndjson:2: not JSON: a NUL byte"
check_re "the others are counted" "$(cat "$T/out")" "skipped +2[[:space:]].*blank +1"

# signed checkpoints: rg-gen signs its chain; its checkpoints rows written
# as the recorder's NDJSON lines (store/sign.h) verify, an edited one not
"$B/rg-gen" --db s.db --events 3000 --sign-key s.key --seed 3 >/dev/null 2>"$T/err"
sqlite3 s.db "SELECT json_object('event_type', 'checkpoint', 'ts_ns', ts_ns, 'host', host,
	'run_id', run_id, 'link', link, 'head', lower(hex(head)), 'pubkey', lower(hex(pubkey)),
	'sig', lower(hex(sig))) FROM checkpoints ORDER BY link" >cps.ndjson
ncp=$(wc -l <cps.ndjson)
check "rg-gen signed checkpoints" "(( $ncp >= 2 ))"
fpr=$(sqlite3 s.db "SELECT value FROM meta WHERE key = 'signing_key_fpr'")
cat a.ndjson cps.ndjson >cp.ndjson
expect 0 "signed checkpoints verify" "$B/rgq" import -o h.db cp.ndjson
check_re "the summary: every one verifies, by the recording's key" "$(cat "$T/out")" \
	"checkpoints +$ncp +signed chain heads: $ncp verify \(key $fpr\), 0 do not, 0 without a host; 0 by another"
{ cat a.ndjson; sed '1s/"sig":"0/"sig":"1/; t; 1s/"sig":"./"sig":"0/' cps.ndjson; } >cpbad.ndjson
sed -n 1p cps.ndjson | sed 's/"host":"[^"]*",//' >>cpbad.ndjson
expect 1 "an edited checkpoint and one without its host: exit 1" "$B/rgq" import -o h2.db cpbad.ndjson
check_re "the edited one is named" "$(cat "$T/err")" "cpbad.ndjson:$(( $(wc -l <a.ndjson) + 1 )): a checkpoint whose signature does not verify"
check_re "the summary counts both" "$(cat "$T/out")" "$(( ncp - 1 )) verify .*1 do not, 1 without a host"

# bytes the writer escapes: \u0000 and surrogate-escaped non-UTF-8 (\udcff)
printf '%s\n' '{"event_type":"file_open","seq":1,"ts_ns":1800000000000000000,"boot_ns":1,"proc_id":null,"pid":9,"tid":9,"uid":0,"gid":0,"ppid":null,"parent_proc_id":null,"comm":"a\u0000b","exe":"/x","syscall":"openat","path":"/tmp/\udcff\u00e9\ud83d\ude00","flags":0,"mode":0,"result":3,"path_truncated":false}' >esc.ndjson
expect 0 "escaped bytes import" "$B/rgq" import -o i.db esc.ndjson
check_eq "\\u0000, \\udcff, a BMP and an astral character come back as the bytes" \
	"$(sqlite3 i.db "SELECT hex(comm), hex(path) FROM file_events")" \
	"610062|2F746D702FFFC3A9F09F9880"

# ---- refusals and usage -----------------------------------------------------
WANT="exists and is not empty" expect 2 "an existing recording is refused" \
	"$B/rgq" import -o b.db a.ndjson
: >empty.db
expect 0 "an empty file is taken" "$B/rgq" import -o empty.db a.ndjson
WANT="-o OUT.db is required" expect 2 "-o is required" "$B/rgq" import a.ndjson
WANT="no-such.ndjson" expect 2 "a missing input is refused before anything is written" \
	"$B/rgq" import -o j.db no-such.ndjson
check "and nothing was written" '[[ ! -e j.db ]]'
WANT="usage: rgq import" expect 0 "rgq import --help" "$B/rgq" import --help
check "rgq --help lists import" "'$B/rgq' --help | grep -q '^  import '"
# A path longer than rgq's reader joins (schema/024 keeps its directory in
# names): replay reads its row, where a fixed buffer once overflowed.
LONG=/$(head -c 9000 /dev/zero | tr '\0' a)/f
printf '{"event_type":"file_open","seq":1,"ts_ns":1800000000000000000,"boot_ns":1,"pid":9,"tid":9,"uid":0,"gid":0,"comm":"c","exe":"/x","syscall":"openat","path":"%s","flags":0,"mode":0,"result":3,"path_truncated":false}\n' "$LONG" >long.ndjson
"$B/rgq" import -o long.db long.ndjson >/dev/null 2>&1
check "a 9003-byte path is stored whole" "[[ \$(sqlite3 long.db 'SELECT length(path) FROM file_events') == 9003 ]]"
check "replay reads a row of a 9003-byte path" "'$B/rgq' --db long.db replay --rules '$RULES' --format csv >/dev/null 2>&1"
cli_done
