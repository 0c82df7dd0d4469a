#!/usr/bin/env bash
# Live: the rule engine in the running recorder. A unit file copied into
# /etc/systemd/system gives exactly one alert row and one NDJSON alert,
# linked to its event; a custom rule fires and a disabled one does not;
# an exec from /dev/shm under a parent the rule names fires with lineage;
# an exec from a memfd fires the shipped EXEC-MEMFD-001, a plain one not;
# SIGHUP swaps in a valid new rule set and keeps the running one when the
# new set is broken (with no capability left: they are dropped after
# attach); a broken rules file stops the start with file:line.
source "$(dirname "$0")/lib.sh"
live_require
live_tap

M="rg$$x$RANDOM"
UNIT=/etc/systemd/system/$M.service
mkdir -p "$T/rules.d" /etc/systemd/system /etc/cron.d
trap 'rm -f "$UNIT" /dev/shm/$M-true "/etc/cron.d/$M"; cleanup' EXIT
cp "$RG_SOURCE_DIR"/config/rules.d/*.rules "$T/rules.d/"
cat >"$T/rules.d/50-local.rules" <<RULES
[rule "LOCAL-MARK-001"]
name = marker file written
severity = low
tags = test
events = file_write
match = path glob *.$M-mark

[rule "LOCAL-OFF-001"]
name = disabled: would fire on the same file
severity = low
enabled = false
events = file_write
match = path glob *.$M-mark

[rule "LOCAL-LINEAGE-001"]
name = program from /dev/shm whose parent is a shell running this test's marker
severity = medium
events = process_start
match = exe prefix /dev/shm
match = parent_cmdline contains $M-parent
RULES
rg_config
cat >>"$T/rg.ini" <<INI
[file]
watch_paths = /etc/systemd/system /etc/cron.d $T/w
[rules]
dir = rules.d
INI
mkdir -p "$T/w"

# --- a broken rules file: exit 2 with file:line, before anything loads
cp -r "$T/rules.d" "$T/broken.d"
printf '[rule "BAD-1"]\nname = x\nseverity = low\nmatch = path sorta /etc\n' >"$T/broken.d/60-bad.rules"
rc=0
"$RG" -c "$T/rg.ini" --rules "$T/broken.d" --check-config >"$T/check.out" 2>&1 || rc=$?
check_eq "a broken rules file exits 2" "$rc" 2
check_re "a broken rules file: its message gives file:line and the rule" "$(cat "$T/check.out")" \
	$'(^|\n)'"$T/broken.d/60-bad.rules:4: rule \"BAD-1\": unknown operator 'sorta'"

rg_start
# attached and recording: it keeps no capability (the reload below and
# every check after run without any)
check_re "after attach it says it keeps no capability" "$(cat "$T/stderr")" \
	'capabilities dropped after attach; keeps none'
# capabilities belong to threads: check every one (main and store writer);
# the hashing thread keeps CAP_SYS_PTRACE (bit 19) alone, for /proc/PID/exe
ntask=0
for task in /proc/"$RG_PID"/task/*; do
	caps=$(awk '/^Cap(Prm|Eff|Bnd):/ {printf "%s ", $2} /^NoNewPrivs:/ {print $2}' "$task/status")
	if [[ $(cat "$task/comm") == rg-hasher ]]; then
		check_eq "after attach the hashing thread holds CAP_SYS_PTRACE alone, no bounding set, no_new_privs (prm eff bnd nnp)" \
			"$caps" "0000000000080000 0000000000080000 0000000000000000 1"
	else
		check_eq "after attach thread ${task##*/} ($(cat "$task/comm")) holds no capability and set no_new_privs (prm eff bnd nnp)" \
			"$caps" "0000000000000000 0000000000000000 0000000000000000 1"
	fi
	ntask=$((ntask + 1))
done
check_num "the main and the store writer thread, at least, were checked" "$ntask" '>=' 2
names=$(cat /proc/"$RG_PID"/task/*/comm)
check_re "threads are named for top -H: the main thread rand-guard" "$names" $'(^|\n)rand-guard(\n|$)'
check_re "threads are named for top -H: the store's rg-writer" "$names" $'(^|\n)rg-writer(\n|$)'
echo "[Unit]" >"$T/x.service"
cp "$T/x.service" "$UNIT"                      # copy_file_range: one file_write
echo hit >"$T/w/a.$M-mark"
cp /bin/true "/dev/shm/$M-true"
bash -c "/dev/shm/$M-true; : $M-parent"         # the parent's cmdline names the marker
"$RG_BUILD_DIR/exec_ops" memfd "$M-mem" /bin/true "$M-memfd"   # fileless
/bin/true "$M-plain"
sleep 0.5

# --- SIGHUP with a valid new set: a new rule fires afterwards
cat >"$T/rules.d/70-new.rules" <<RULES
[rule "LOCAL-NEW-001"]
name = added by a reload
severity = high
events = file_write
match = path prefix /etc/cron.d
RULES
kill -HUP "$RG_PID"
for _ in $(seq 50); do grep -q "rules reloaded" "$T/stderr" && break; sleep 0.1; done
check_re "SIGHUP with a valid set: rules reloaded" "$(cat "$T/stderr")" 'rules reloaded'
echo "* * * * * root true" >"/etc/cron.d/$M"

# --- SIGHUP with a broken set: reported, the running set stays
printf '[rule "LOCAL-NEW-001"]\nname = dup\nseverity = low\nmatch = path prefix /\n' \
	>"$T/rules.d/80-dup.rules"
kill -HUP "$RG_PID"
for _ in $(seq 50); do grep -q "rules not reloaded" "$T/stderr" && break; sleep 0.1; done
check_re "SIGHUP with a broken set: reported with file:line" "$(cat "$T/stderr")" \
	'80-dup.rules:1: rule "LOCAL-NEW-001": duplicate id'
echo again >"$T/w/b.$M-mark"
rm -f "/etc/cron.d/$M" && echo "* * * * * root true" >"/etc/cron.d/$M"
sleep 1.2
rg_stop

# --- the unit file: one alert row, linked to its file_write, and one NDJSON alert
got=$(sql "SELECT a.rule_id, a.severity, a.tags, f.event_type, f.syscall, f.path, a.proc_id = f.proc_id
           FROM alerts a JOIN file_events f ON f.seq = a.event_seq
           WHERE f.path = '$UNIT'")
want="PERSIST-SYSTEMD-001|high|[\"persistence\",\"T1543.002\"]|file_write|copy_file_range|$UNIT|1"
check_eq "writing a unit file gives exactly one alert row, linked to its event" "$got" "$want"

python3 - "$T/events.ndjson" "$UNIT" "$T/rg.db" <<'PY' || fail "the NDJSON alert checks stopped"
import json, sqlite3, sys
from tap import check, check_eq
lines = [json.loads(l) for l in open(sys.argv[1], "rb")]
alerts = [l for l in lines if l["event_type"] == "alert"]
unit = [a for a in alerts if a["trigger"].get("path") == sys.argv[2]]
check(len(unit) == 1, "NDJSON: one alert for the unit file", unit)
a = unit[0] if unit else {}
ev = [l for l in lines if unit and l.get("seq") == a["event_seq"] and l["event_type"] != "alert"]
check(len(ev) == 1 and ev[0]["event_type"] == "file_write", "NDJSON: its event_seq is its file_write",
      ev)
check_eq((a.get("rule_id"), a.get("tags")), ("PERSIST-SYSTEMD-001", ["persistence", "T1543.002"]),
         "NDJSON: its rule and tags")
stamp = ("time", "host", "boot_id")  # the alert line's own, not repeated in its trigger
check(unit and a["seq"] > a["event_seq"] and ev and
      a["trigger"] == {k: v for k, v in ev[0].items() if k not in stamp},
      "NDJSON: it comes after its event and carries it under trigger", a)
check(unit and ev and all(a.get(k) == ev[0].get(k) for k in stamp),
      "NDJSON: the alert has its event's time, host and boot id", a)
db = sqlite3.connect(sys.argv[3])
rows = sorted(db.execute("SELECT seq, rule_id, event_seq FROM alerts"))
nd = sorted((x["seq"], x["rule_id"], x["event_seq"]) for x in alerts)
check_eq(nd, rows, "one NDJSON alert per alert row")
PY

check_eq "a custom rule in a rules file fires (one alert per marker file)" \
	"$(sql "SELECT count(*) FROM alerts WHERE rule_id = 'LOCAL-MARK-001'")" 2
check_eq "a disabled rule does not fire" \
	"$(sql "SELECT count(*) FROM alerts WHERE rule_id = 'LOCAL-OFF-001'")" 0

got=$(sql "SELECT p.exe, a.summary LIKE 'process_start /dev/shm/$M-true by /dev/shm/$M-true (pid %)'
           FROM alerts a JOIN process_events p ON p.seq = a.event_seq
           WHERE a.rule_id IN ('LOCAL-LINEAGE-001', 'EXEC-TMP-001') AND p.exe LIKE '%$M%'
           ORDER BY a.rule_id")
want=$(printf '/dev/shm/%s-true|1\n/dev/shm/%s-true|1' "$M" "$M")
check_eq "exec from /dev/shm fires the shipped rule and a parent_cmdline rule" "$got" "$want"

got=$(sql "SELECT a.severity, p.exe, p.exe_memfd, p.cmdline, a.summary LIKE 'process_start %$M-memfd by memfd:$M-mem (pid %)'
           FROM alerts a JOIN process_events p ON p.seq = a.event_seq
           WHERE a.rule_id = 'EXEC-MEMFD-001' AND p.cmdline LIKE '%$M%'")
want="high|memfd:$M-mem|1|/bin/true $M-memfd|1"
check_eq "an exec from a memfd fires EXEC-MEMFD-001: the row" "$got" "$want"
check_num "an exec from a memfd fires EXEC-MEMFD-001: NDJSON alerts" \
	"$(grep -c "\"rule_id\":\"EXEC-MEMFD-001\".*\"exe\":\"memfd:$M-mem\"" "$T/events.ndjson" || true)" '>=' 1
check_eq "the plain exec is stored, not flagged memfd" \
	"$(sql "SELECT count(*) FROM process_events WHERE cmdline = '/bin/true $M-plain' AND exe_memfd = 0")" 1
check_eq "the plain exec raises no alert" "$(sql "SELECT count(*) FROM alerts a JOIN process_events p
	ON p.seq = a.event_seq WHERE p.cmdline LIKE '%$M-plain%'")" 0

check_eq "SIGHUP: the reloaded rule fires before and after the broken reload" \
	"$(sql "SELECT count(*) FROM alerts WHERE rule_id = 'LOCAL-NEW-001'")" 2
check_eq "SIGHUP: health counts one reload and one failure (rule_reloads|rule_reload_failures|alerts = rows_alerts)" \
	"$(sql "SELECT rule_reloads, rule_reload_failures, alerts = rows_alerts FROM health ORDER BY seq DESC LIMIT 1")" "1|1|1"
check_eq "SIGHUP: alerts carry two rule digests, before and after the reload" \
	"$(sql "SELECT count(DISTINCT rules_digest) FROM alerts")" 2
check_eq "SIGHUP: meta rules_digest is the running set's" \
	"$(sql "SELECT value FROM meta WHERE key = 'rules_digest'")" \
	"$(sql "SELECT rules_digest FROM alerts ORDER BY seq DESC LIMIT 1")"
live_done
