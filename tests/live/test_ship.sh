#!/usr/bin/env bash
# [ship] end to end: Debian's clickhouse-server, started here on free ports
# with its data in a temporary directory, takes the rows of two recorders
# running at once as two hosts. The central copy must equal each local one
# exactly, table by table (after FINAL: duplicates dropped); then again
# after the server was killed in a busy run and a recorder restarted while
# it was down, with the lag visible in health rows meanwhile. The fleet
# questions of docs/fleet.md are run against it. The central checkpoints
# are each host's own, and verify its database: an untouched one passes,
# one whose chain was rewritten and re-signed with the host's key after
# shipping fails (docs/fleet.md, "Verifying a host against the central copy").
source "$(dirname "$0")/lib.sh"
live_require
command -v clickhouse-server >/dev/null || live_skip "needs clickhouse-server (scripts/deps --test)"
id clickhouse >/dev/null 2>&1 || live_skip "needs the clickhouse user (Debian's clickhouse-server)"
live_tap

M=rgship$$
TABLES="process_events file_events network_events system_events alerts health processes runs gaps checkpoints"
HOSTS="a b"
# the server runs as clickhouse: its directory cannot be under $T (0700)
CHD=$(mktemp -d /tmp/rg-ship-ch.XXXXXX)
CH_PID=
declare -A PID
ship_cleanup() {
	for h in $HOSTS; do [[ -z "${PID[$h]:-}" ]] || kill -9 "${PID[$h]}" 2>/dev/null || true; done
	if [[ -n "$CH_PID" ]]; then
		kill -9 "$CH_PID" 2>/dev/null || true
		wait "$CH_PID" 2>/dev/null || true
	fi
	if [[ "${KEEP:-0}" == 1 ]]; then echo "# kept $CHD"; else rm -rf "$CHD"; fi
	cleanup
}
trap ship_cleanup EXIT

read -r HTTP_PORT TCP_PORT < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
URL=http://127.0.0.1:$HTTP_PORT
PW=$M-pw
mkdir -p "$CHD"/{data,tmp,user_files,log}
cat >"$CHD/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger><level>warning</level><log>$CHD/log/server.log</log><errorlog>$CHD/log/err.log</errorlog><size>10M</size><count>1</count></logger>
    <http_port>$HTTP_PORT</http_port>
    <tcp_port>$TCP_PORT</tcp_port>
    <listen_host>127.0.0.1</listen_host>
    <max_connections>64</max_connections>
    <max_concurrent_queries>16</max_concurrent_queries>
    <uncompressed_cache_size>67108864</uncompressed_cache_size>
    <mark_cache_size>67108864</mark_cache_size>
    <path>$CHD/data/</path>
    <tmp_path>$CHD/tmp/</tmp_path>
    <user_files_path>$CHD/user_files/</user_files_path>
    <users_config>$CHD/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <mlock_executable>false</mlock_executable>
</yandex>
XML
cat >"$CHD/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>1000000000</max_memory_usage></default></profiles>
    <users><default><password>$PW</password><networks><ip>127.0.0.1</ip></networks>
        <profile>default</profile><quota>default</quota></default></users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
        <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
    </interval></default></quotas>
</yandex>
XML
chown -R clickhouse: "$CHD"
echo "$PW" >"$T/pw"
chmod 600 "$T/pw"

ch_start() {
	setpriv --reuid clickhouse --regid clickhouse --init-groups \
		clickhouse-server --config-file="$CHD/config.xml" >>"$CHD/log/stdout" 2>&1 &
	CH_PID=$!
	for _ in $(seq 300); do
		[[ "$(curl -s "$URL/ping" 2>/dev/null)" == Ok. ]] && return 0
		kill -0 "$CH_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -5 "$CHD/log/err.log" "$CHD/log/stdout" 2>/dev/null | sed 's/^/# /'
	fail "clickhouse-server did not start"
}
ch_kill() { kill -9 "$CH_PID"; wait "$CH_PID" 2>/dev/null || true; CH_PID=; }
chq() { curl -sS --fail-with-body -u "default:$PW" --data-binary "$1" "$URL/"; }
# lsql HOST "SELECT ...": the host's local recording
lsql() {
	python3 - "$T/$1/rg.db" "$2" <<-'PY'
	import sqlite3, sys
	con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
	for row in con.execute(sys.argv[2]):
	    print("|".join("" if v is None else str(v) for v in row))
	PY
}

mkdir -p "$T/w" "$T/rules.d"
cat >"$T/rules.d/ship.rules" <<RULES
[rule "SHIP-MARK-001"]
name = the ship test's marker command
severity = low
events = process_start
match = cmdline contains $M-alert
RULES
for h in $HOSTS; do
	mkdir -p "$T/$h"
	cat >"$T/$h/rg.ini" <<-INI
	[recorder]
	ndjson =
	health_interval_s = 1
	host = $M-$h
	[store]
	db = $T/$h/rg.db
	batch_ms = 50
	[file]
	watch_paths = $T/w
	watch_patterns =
	watch_writes =
	[rules]
	dir = $T/rules.d
	[ship]
	enabled = true
	url = $URL
	password_file = $T/pw
	interval_ms = 200
	batch_rows = 5000
	backoff_max_s = 1
	timeout_s = 5
	INI
done

rec_start() { # HOST...: start them together (each loads its programs)
	local h t0=$SECONDS
	for h in "$@"; do
		"$RG" -c "$T/$h/rg.ini" 2>>"$T/$h/stderr" &
		PID[$h]=$!
	done
	for h in "$@"; do
		for _ in $(seq 400); do
			[[ $(grep -c "recording" "$T/$h/stderr" 2>/dev/null) -ge ${STARTS[$h]:-1} ]] && break
			kill -0 "${PID[$h]}" 2>/dev/null || { cat "$T/$h/stderr" >"$T/stderr"; fail "recorder $h exited at start"; }
			sleep 0.1
		done
		STARTS[$h]=$(( ${STARTS[$h]:-1} + 1 ))
	done
	echo "# recorders $* started in $((SECONDS - t0)) s (the verifier; a loaded machine is slower)"
}
declare -A STARTS
rec_stop() {
	local h rc t0=$SECONDS
	for h in "$@"; do kill -TERM "${PID[$h]}"; done
	for h in "$@"; do
		rc=0
		wait "${PID[$h]}" || rc=$?
		PID[$h]=
		[[ $rc -eq 0 ]] || { cat "$T/$h/stderr" >"$T/stderr"; fail "recorder $h exited with $rc"; }
	done
	echo "# recorders $* stopped in $((SECONDS - t0)) s"
}

# compare LABEL: each host's local rows == its central rows, table by table
# (one query each side per host: a FINAL is not cheap on a loaded machine)
compare() {
	local h t local_ central q t0=$SECONDS
	for h in $HOSTS; do
		local_=$(python3 - "$T/$h/rg.db" $TABLES <<-'PY'
		import sqlite3, sys
		con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
		for t in sys.argv[2:]:
		    print(t, con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
		PY
		)
		q=
		for t in $TABLES; do
			q+="${q:+ UNION ALL }SELECT '$t' AS t, count() AS n FROM rand_guard.$t FINAL WHERE host = '$M-$h'"
		done
		central=$(chq "SELECT t, n FROM ($q) ORDER BY t" | tr '\t' ' ')
		check_eq "$1: host $h, central = local in every table" "$central" \
			"$(LC_ALL=C sort <<<"$local_")"
	done
	echo "# compared in $((SECONDS - t0)) s"
}

# show QUERY: with SHIP_SHOW=1, the query and its answer as comments (for docs/fleet.md)
show() {
	[[ "${SHIP_SHOW:-0}" == 1 ]] || return 0
	printf '%s\n' "$1" | sed 's/^/#   /'
	chq "$1 FORMAT PrettyCompactMonoBlock" | sed 's/^/#   /'
}

activity() { # SECONDS: execs, file writes, and the marker commands
	local end=$((SECONDS + $1)) i=0
	while ((SECONDS < end)); do
		/bin/true "$M-busy"
		echo "$i" >"$T/w/f$((i % 50))"
		i=$((i + 1))
	done
}

# --- 1. two hosts, a steady server ----------------------------------------------------
ch_start
check_run "scripts/clickhouse-schema creates the central tables" "$T/schema.out" \
	env CLICKHOUSE_PASSWORD_FILE="$T/pw" "$RG_SOURCE_DIR/scripts/clickhouse-schema" "$URL"
# A central table an older rand-guard made lacks the newer columns (here
# the newest of health's): run again, the script adds them where they go.
chq "ALTER TABLE rand_guard.health DROP COLUMN kernel_skipped" >/dev/null
check_run "scripts/clickhouse-schema run again on an older table" "$T/schema2.out" \
	env CLICKHOUSE_PASSWORD_FILE="$T/pw" "$RG_SOURCE_DIR/scripts/clickhouse-schema" "$URL"
check_eq "it added the column an older health table lacks" "$(grep -c '^clickhouse-schema: added health.kernel_skipped$' "$T/schema2.out")" 1
check_eq "in its place, after ship_lag_s" \
	"$(chq "SELECT name FROM system.columns WHERE database = 'rand_guard' AND table = 'health' AND name IN ('ship_lag_s', 'kernel_skipped')" | tr '\n' ' ')" \
	"ship_lag_s kernel_skipped "
rec_start a b
T0=$(date +%s%N)
activity 2
sh -c "exec /bin/echo $M-alert" >/dev/null
setpriv --reuid nobody --regid nogroup --clear-groups /bin/echo "$M-user" >/dev/null
activity 1
sleep 1
rec_stop a b
T1=$(date +%s%N)
for h in $HOSTS; do
	check_num "host $h recorded this test's execs" \
		"$(lsql "$h" "SELECT count(*) FROM process_events WHERE cmdline LIKE '%$M-busy%'")" ">" 10
	check_num "host $h shipped rows (health ship_rows)" \
		"$(lsql "$h" "SELECT max(ship_rows) FROM health")" ">" 0
	check_eq "host $h: rgq verify with the ship triggers" \
		"$("$RG_BUILD_DIR/rgq" verify --db "$T/$h/rg.db" >/dev/null 2>&1 && echo intact)" intact
done
compare "steady"

# --- the fleet questions (docs/fleet.md), against this server ---------------------------------
SHA=$(lsql a "SELECT exe_sha256 FROM process_events WHERE cmdline LIKE '%$M-busy%' AND exe_sha256 IS NOT NULL LIMIT 1")
check_eq "fleet: which hosts ran a hash" "$(chq "SELECT host FROM rand_guard.process_events
	WHERE exe_sha256 = '$SHA' AND event_type = 'process_start' GROUP BY host ORDER BY host" | tr '\n' ' ')" \
	"$M-a $M-b "
check_eq "fleet: which hosts ran a command line" "$(chq "SELECT host, count() > 10 FROM rand_guard.process_events
	WHERE event_type = 'process_start' AND cmdline LIKE '%$M-busy%' GROUP BY host ORDER BY host" | tr '\t\n' ': ')" \
	"$M-a:1 $M-b:1 "
check_eq "fleet: everything one user did on every host in a window" "$(chq "SELECT host, cmdline
	FROM rand_guard.process_events WHERE user = 'nobody' AND event_type = 'process_start'
	AND ts_ns BETWEEN $T0 AND $T1 AND host LIKE '$M-%' ORDER BY host" | tr '\t\n' ': ')" \
	"$M-a:/bin/echo $M-user $M-b:/bin/echo $M-user "
# the alert's process, then its ancestors, level by level (no recursive
# queries in ClickHouse: one query per level, as docs/fleet.md does)
tree=
for h in $HOSTS; do
	read -r pid_ < <(chq "SELECT proc_id FROM rand_guard.alerts FINAL WHERE host = '$M-$h'
		AND rule_id = 'SHIP-MARK-001' LIMIT 1")
	chain=
	while [[ -n "$pid_" && "$pid_" != "\\N" ]]; do
		IFS=$'\t' read -r comm pid_ < <(chq "SELECT comm, parent_proc_id FROM rand_guard.processes
			FINAL WHERE host = '$M-$h' AND proc_id = $pid_")
		chain+="$comm<"
		[[ ${#chain} -lt 400 ]] || break
	done
	tree+="$h:$chain "
done
check_re "fleet: the process tree of one alert, on each host" "$tree" \
	"^a:echo<(sh<)?bash<.* b:echo<(sh<)?bash<.*"
show "SELECT host, count() AS execs, min(time) AS first, max(time) AS last
FROM rand_guard.process_events
WHERE exe_sha256 = '$SHA' AND event_type = 'process_start'
GROUP BY host ORDER BY host"
show "SELECT host, time, user, pid, cmdline FROM rand_guard.process_events
WHERE user = 'nobody' AND event_type = 'process_start'
  AND ts_ns BETWEEN $T0 AND $T1 AND host LIKE '$M-%'
ORDER BY host, ts_ns"
show "SELECT host, rule_id, proc_id, exe, time FROM rand_guard.alerts FINAL
WHERE rule_id = 'SHIP-MARK-001' ORDER BY host"
show "SELECT host, proc_id, parent_proc_id, comm, cmdline FROM rand_guard.processes FINAL
WHERE host = '$M-a' AND proc_id IN (SELECT proc_id FROM rand_guard.alerts
  WHERE host = '$M-a' AND rule_id = 'SHIP-MARK-001')"
check_eq "fleet: hosts that stopped reporting (silent for 2 s)" "$(sleep 2; chq "SELECT host
	FROM rand_guard.host_health WHERE silent_s >= 2 AND host LIKE '$M-%' ORDER BY host" | tr '\n' ' ')" \
	"$M-a $M-b "

# --- 2. the server killed in a busy run; a recorder restarted while it is down ---------
rec_start a b
activity 2
KILL_NS=$(date +%s%N)
ch_kill
ok "clickhouse-server killed in a busy run"
activity 3
rec_stop a
rec_start a
activity 2
for h in $HOSTS; do
	check_num "host $h: lag in health rows while the server is down" \
		"$(lsql "$h" "SELECT max(ship_lag_rows) FROM health WHERE ts_ns > $KILL_NS")" ">" 0
	check_num "host $h: failures counted" \
		"$(lsql "$h" "SELECT max(ship_failures) FROM health WHERE ts_ns > $KILL_NS")" ">" 0
done
ch_start
ok "clickhouse-server started again"
activity 2
# let the spool drain, then stop (the stop sends what is left)
for _ in $(seq 100); do
	lag=$(lsql a "SELECT ship_lag_rows FROM health ORDER BY seq DESC LIMIT 1")
	((lag < 2000)) && break
	sleep 0.2
done
rec_stop a b
compare "after the outage and a restart"

# --- 3. the central checkpoints verify a host's database ------------------------------
CP="SELECT link, run_id, ts_ns, host, head, pubkey, sig FROM rand_guard.checkpoints FINAL
	WHERE host = '$M-a' ORDER BY link"
check_eq "host a: the central checkpoints are the local ones, byte for byte" \
	"$(chq "$CP" | tr '\t' '|')" "$(lsql a "SELECT link, run_id, ts_ns, host, lower(hex(head)),
	lower(hex(pubkey)), lower(hex(sig)) FROM checkpoints ORDER BY link")"
# the query of docs/fleet.md: the host's checkpoints as rgq reads them
chq "SELECT 'checkpoint' AS event_type, ts_ns, host, run_id, link, head, pubkey, sig
FROM rand_guard.checkpoints FINAL WHERE host = '$M-a' ORDER BY link FORMAT JSONEachRow" >"$T/central.ndjson"
NCP=$(lsql a "SELECT count(*) FROM checkpoints")
check_num "host a signed a checkpoint in each of its runs" "$NCP" ">=" 3
check_run "host a's untouched database verifies against the central checkpoints" "$T/cv" \
	"$RG_BUILD_DIR/rgq" --db "$T/a/rg.db" verify --checkpoints "$T/central.ndjson"
check_re "... all of them agree" "$(cat "$T/cv")" "shipped +$NCP of $NCP checkpoints in .* agree"
# what root with the host's key does after shipping: an exec made innocent,
# the chain rebuilt and every checkpoint re-signed (tests/lib/forge.c)
sqlite3 "$T/a/rg.db" ".backup '$T/f.db'"
sqlite3 "$T/f.db" "UPDATE process_events SET cmdline = '/bin/true innocent'
	WHERE seq = (SELECT min(seq) FROM process_events WHERE cmdline LIKE '%$M-busy%')"
"$RG_BUILD_DIR/rg-forge" "$T/f.db" "$T/a/rg.db.key" >"$T/forge" 2>&1 || fail "rg-forge: $(cat "$T/forge")"
rc=0
"$RG_BUILD_DIR/rgq" --db "$T/f.db" verify >"$T/fv" 2>&1 || rc=$?
check_eq "the rewritten database verifies alone (re-signed with the host's key)" "$rc" 0
rc=0
"$RG_BUILD_DIR/rgq" --db "$T/f.db" verify --checkpoints "$T/central.ndjson" >"$T/fv" 2>&1 || rc=$?
check_eq "the rewritten database fails against the central checkpoints" "$rc" 1
check_re "... which say its chain was rewritten after shipping" "$(cat "$T/fv")" \
	"SHIPPED +line [0-9]+: link [0-9]+'s head as shipped .* is not the database's: the chain was rewritten"

show "SELECT host, last_seen, silent_s, lag_rows, lag_s, ship_failures, runs, gaps, unshipped_rows
FROM rand_guard.host_health WHERE host LIKE '$M-%' ORDER BY host"
show "SELECT host, time, ship_rows, ship_failures, ship_lag_rows, ship_lag_s FROM rand_guard.health
WHERE host = '$M-a' AND ts_ns > $KILL_NS - 2000000000 ORDER BY ts_ns LIMIT 12"
check_num "the lag reached the central health rows too" "$(chq "SELECT max(ship_lag_rows) FROM
	rand_guard.health WHERE host = '$M-a' AND ts_ns > $KILL_NS")" ">" 0
check_num "no row twice after FINAL (processes: one row per proc_id)" "$(chq "SELECT count() - uniqExact(proc_id)
	FROM rand_guard.processes FINAL WHERE host = '$M-a'")" "==" 0
echo "# $SECONDS s in all"
live_done
