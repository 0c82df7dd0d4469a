#!/usr/bin/env bash
# Live: what the service relies on. logrotate runs the shipped snippet
# with its path pointed at this test's file, its postrotate's SIGHUP sent
# with kill to this recorder instead of through systemctl (there is no
# systemd here), and without compression so the rotated file can be read:
# lines before go to the rotated file, lines after to a new file (0600:
# the snippet's create); the reload keeps the same rule set, so a sequence
# begun before the rotation completes after it; SIGTERM ends with a final
# health row in both outputs.
source "$(dirname "$0")/lib.sh"
live_require
command -v logrotate >/dev/null || live_skip "needs logrotate (scripts/deps --test installs it)"
live_tap

DROP=/dev/shm/rg-rot-$$x$RANDOM
trap 'rm -f "$DROP"; cleanup' EXIT
mkdir -p "$T/rules.d" "$T/log"
cp "$RG_SOURCE_DIR"/config/rules.d/*.rules "$T/rules.d/"
rg_config
sed -i "s|^ndjson = .*|ndjson = $T/log/events.ndjson|" "$T/rg.ini"
printf '[rules]\ndir = rules.d\n' >>"$T/rg.ini"
rg_start

cp /bin/true "$DROP" # a sequence's first step, before the rotation
sleep 0.5
# the shipped snippet, pointed at this test's file and process
sed -e "s|/var/log/rand-guard/\*.ndjson|$T/log/*.ndjson|" \
    -e "s|systemctl kill .*|kill -HUP $RG_PID|" -e "/delaycompress/d" -e "/compress/d" \
    "$RG_SOURCE_DIR/config/logrotate/rand-guard" >"$T/logrotate.conf"
check_run "logrotate runs the shipped snippet" "$T/logrotate.out" \
	logrotate --force --state "$T/logrotate.state" "$T/logrotate.conf"
for _ in $(seq 50); do
	grep -q "rules reloaded" "$T/stderr" && break
	sleep 0.1
done
check_re "logrotate's SIGHUP reloads the rules" "$(cat "$T/stderr")" 'rules reloaded'
"$DROP"  # the second step, after it
sleep 1
rg_stop

python3 - "$T/log" "$DROP" "$T/rg.db" <<'PY' || fail "the rotation checks stopped"
import os, sqlite3, stat, sys
d, drop, db = sys.argv[1:4]
from tap import check, ndjson
check(os.path.exists(f"{d}/events.ndjson.1"), "logrotate made the rotated file")
old = ndjson(f"{d}/events.ndjson.1") if os.path.exists(f"{d}/events.ndjson.1") else []
new = ndjson(f"{d}/events.ndjson")
check(any(e["event_type"] == "file_write" and e.get("path") == drop for e in old),
      "the write before the rotation is in the rotated file")
check(any(e["event_type"] == "process_start" and e.get("exe") == drop for e in new),
      "the exec after it is in the new file")
check(stat.S_IMODE(os.stat(f"{d}/events.ndjson").st_mode) == 0o600, "the new file is 0600")
alerts = [e for e in new if e["event_type"] == "alert" and e["rule_id"] == "SEQ-DROP-EXEC-001"]
check(len(alerts) == 1 and len(alerts[0]["steps"]) == 2 and
      any(e.get("seq") == alerts[0]["steps"][0] for e in old),
      "a reload of the same rules keeps sequences: one alert, its first step in the rotated file")
# the final health row, then the stop's signed checkpoint (of the link
# that closes the run, made after it)
tail = [e["event_type"] for e in new[-2:]]
check(tail == ["health", "checkpoint"],
      f"SIGTERM: the last NDJSON lines are a health row and the stop's checkpoint (got {tail})")
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
last = con.execute("SELECT max(seq) FROM health").fetchone()[0]
check(len(new) > 1 and last == new[-2].get("seq"), "and the database holds that final row")
link = con.execute("SELECT max(link) FROM checkpoints").fetchone()[0]
check(new and link == new[-1].get("link"), "and the last checkpoint's")
PY
live_done
