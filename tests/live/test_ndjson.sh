#!/usr/bin/env bash
# Live: what every NDJSON line carries and what the recorder says when it
# stops. Every line of a real run has "time", the RFC 3339 form of its
# ts_ns to the nanosecond, and this host's name and boot id; the alert of
# a marked write under /tmp carries its event under "trigger"; on SIGTERM
# the last line on stderr counts the run's events, alerts and drops as
# the database and the final health row have them. Then a second run with
# [recorder] ndjson_format = ecs: every key of every line, flattened, is a
# field of the ECS reference (tests/cases/ecs/fields.csv) with a value of
# its type, or under rand_guard.; the marked write and its alert are there.
source "$(dirname "$0")/lib.sh"
live_require
live_tap

MARK="rgnd$$_$RANDOM"
rg_config
rg_watch "$T/watched"
mkdir -p "$T/watched" "$T/rules.d"
cat >"$T/rules.d/ndjson.rules" <<RULES
[rule "TEST-NDJSON-001"]
name = a marked write
severity = low
tags = test  ndjson
events = file_write
match = path glob *$MARK-1
RULES
printf '[rules]\ndir = %s\n' "$T/rules.d" >>"$T/rg.ini"

rg_start
echo x >"$T/watched/$MARK-1"
sleep 0.5
rg_stop
ok "recorder started and stopped cleanly"

summary=$(tail -n 1 "$T/stderr")
check_re "the last stderr line is the summary" "$summary" \
	'^rand-guard: stopped after [0-9.]+ s \(run [0-9]+\): [0-9]+ events, [0-9]+ alerts, [0-9]+ dropped \(kernel [0-9]+, userspace [0-9]+\)'
read -r events alerts dropped kdrop udrop < <(sed -E \
	's/.*: ([0-9]+) events, ([0-9]+) alerts, ([0-9]+) dropped \(kernel ([0-9]+), userspace ([0-9]+)\).*/\1 \2 \3 \4 \5/' \
	<<<"$summary")
check_num "it counts at least one alert (the marked write)" "${alerts:-x}" ">=" 1
check_eq "its alerts are the run's alert rows" "$alerts" "$(sql "SELECT count(*) FROM alerts")"
last=$(sql "SELECT kernel_drops, user_drops, alerts FROM health ORDER BY seq DESC LIMIT 1")
check_eq "its drops and alerts are the final health row's" "$kdrop|$udrop|$alerts" "$last"
stored=$(sql "SELECT (SELECT count(*) FROM process_events) + (SELECT count(*) FROM file_events)
	+ (SELECT count(*) FROM network_events) + (SELECT count(*) FROM system_events)")
check_num "its events are the rows stored and those dropped in userspace" \
	"$events" "==" "$((stored + udrop))"

python3 - "$T/events.ndjson" "$MARK" "$(hostname)" "$(cat /proc/sys/kernel/random/boot_id)" <<'PY'
import datetime, json, sys
from tap import check, check_eq
path, mark, host, boot = sys.argv[1:5]
lines = [json.loads(l) for l in open(path, "rb").read().split(b"\n") if l]

def rfc3339(ns):
    s, frac = divmod(ns, 10**9)
    t = datetime.datetime.fromtimestamp(s, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{frac:09d}Z"

kinds = {l["event_type"] for l in lines}
check({"health", "alert", "file_write"} <= kinds, "events, an alert and health lines", kinds)
check(all(list(l)[0] == "event_type" for l in lines), "event_type is every line's first key")
bad = [l for l in lines if l.get("time") != rfc3339(l.get("ts_ns", -1))]
check(not bad, "every line's time is its ts_ns in RFC 3339, to the nanosecond", bad[:2])
bad = [l for l in lines if (l.get("host"), l.get("boot_id")) != (host, boot)]
check(not bad, "every line names this host and boot", bad[:2])
alerts = [l for l in lines if l["event_type"] == "alert" and l["rule_id"] == "TEST-NDJSON-001"]
check(len(alerts) == 1 and "event" not in alerts[0] and
      alerts[0]["trigger"]["path"].endswith(mark + "-1"),
      "the alert carries its event under trigger, not event", alerts)
check_eq(alerts[0]["tags"] if alerts else None, ["test", "ndjson"], "its tags as an array")
PY

# --- the ECS profile ------------------------------------------------------------
sed -i "s|^ndjson = .*|ndjson = $T/ecs.ndjson\nndjson_format = ecs|" "$T/rg.ini"
rg_start
echo y >"$T/watched/$MARK-1"
sleep 0.5
rg_stop
ok "recorder with the ECS profile started and stopped cleanly"
python3 - "$T/ecs.ndjson" "$MARK" "$(hostname)" "$RG_SOURCE_DIR/tests/cases/ecs/fields.csv" <<'PY'
import csv, json, sys
from tap import check, check_eq
path, mark, host, ref_path = sys.argv[1:5]
ref = {r[0]: r[1] for r in csv.reader(l for l in open(ref_path) if not l.startswith("#"))}
lines = [json.loads(l) for l in open(path, "rb").read().split(b"\n") if l]

def flat(o, pre=""):
    for k, v in o.items():
        key = pre + k
        if isinstance(v, dict):
            yield from flat(v, key + ".")
        else:
            yield key, v

def fits(v, t):
    if t == "long":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "boolean":
        return isinstance(v, bool)
    return isinstance(v, str)

bad = []
for l in lines:
    for k, v in flat(l):
        if k.startswith("rand_guard."):
            continue
        vals = v if isinstance(v, list) else [v]
        if k not in ref or not all(fits(x, ref[k]) for x in vals):
            bad.append((k, v))
check(lines and not bad, f"{len(lines)} ECS lines: every key an ECS field of its type, or ours", bad[:5])
check(all(l.get("host", {}).get("name") == host and l.get("@timestamp", "").endswith("Z")
          for l in lines), "every line has host.name and @timestamp")
kinds = {l["event"]["kind"] for l in lines}
check({"event", "alert", "metric"} <= kinds, "events, alerts and health (metric) lines", kinds)
mine = [l for l in lines if l["event"]["kind"] == "alert" and l.get("rule", {}).get("id") == "TEST-NDJSON-001"]
check(len(mine) == 1 and mine[0].get("file", {}).get("path", "").endswith(mark + "-1") and
      mine[0]["event"]["action"] == "file_write" and mine[0].get("tags") == ["test", "ndjson"],
      "the alert: the write's document, kind alert, rule.id, tags", mine)
PY
live_done
