#!/usr/bin/env bash
# Live: Sigma rules (written in the public corpus's style, each naming this
# test's marker) in the running recorder: case-insensitive matching, re,
# cidr, base64offset, all, 1 of and not fire on real execs, a connect and a
# file creation, and stay silent where they should; alerts say they came
# from Sigma (rule_source, rule_file, the Sigma id and level); rgq replay
# --sigma over the recording gives the same alerts; a SIGHUP reads the
# directory again; --check-config prints the load report with a skipped
# rule and its reason.
source "$(dirname "$0")/lib.sh"
live_require
live_tap

M="rg$$s$RANDOM"
U=${M^^}
mkdir -p "$T/sigma/proc" "$T/w"
rule() { # FILE ID CATEGORY LEVEL: a rule whose detection is stdin
	{
		printf 'title: %s\nid: %s\nstatus: test\nlevel: %s\n' "$2 $M" "$2" "$4"
		printf 'tags:\n    - attack.execution\nlogsource:\n    product: linux\n    category: %s\n' "$3"
		printf 'detection:\n'
		cat
	} >"$T/sigma/$1"
}
rule proc/nocase.yml 5a000000-0000-4000-8000-000000000001 process_creation high <<YML
    selection:
        CommandLine|contains: '$U-NOCASE'
    condition: selection
YML
rule proc/re.yml 5a000000-0000-4000-8000-000000000002 process_creation medium <<YML
    selection:
        CommandLine|re: '$M-re-[0-9]+x\$'
    condition: selection
YML
rule proc/b64.yml 5a000000-0000-4000-8000-000000000003 process_creation medium <<YML
    selection:
        CommandLine|base64offset|contains: '$M-b64'
    condition: selection
YML
rule proc/all.yml 5a000000-0000-4000-8000-000000000004 process_creation low <<YML
    selection:
        CommandLine|contains|all:
            - '$M-all-a'
            - '$M-all-b'
    condition: selection
YML
rule proc/oneof.yml 5a000000-0000-4000-8000-000000000005 process_creation low <<YML
    selection_x:
        CommandLine|contains: '$M-one-x'
    selection_y:
        CommandLine|endswith: '$M-one-y'
    filter_main:
        CommandLine|contains: '$M-skip'
    condition: 1 of selection_* and not filter_main
YML
rule net.yml 5a000000-0000-4000-8000-000000000006 network_connection critical <<YML
    selection:
        Initiated: 'true'
        DestinationIp|cidr: '127.77.0.0/16'
    condition: selection
YML
rule file.yml 5a000000-0000-4000-8000-000000000007 file_event medium <<YML
    selection:
        TargetFilename|startswith: '$T/w/'
        TargetFilename|endswith: '.$M'
    condition: selection
YML
rule skipped.yml 5a000000-0000-4000-8000-000000000008 process_creation low <<YML
    selection:
        IntegrityLevel: 'High'
    condition: selection
YML

rg_config
rg_watch "$T/w"
cat >>"$T/rg.ini" <<INI
[network]
enabled = true
[rules]
dir =
sigma_dir = $T/sigma
INI

out=$("$RG" -c "$T/rg.ini" --check-config 2>&1)
check_re "--check-config: how many Sigma rules loaded" "$out" \
	'sigma: 8 files: 7 rules loaded, 1 skipped, 0 for other products'
check_re "--check-config: the skipped rule, with its reason" "$out" \
	"skipped.yml \\(5a000000-0000-4000-8000-000000000008\\): skipped: field 'IntegrityLevel' has no rand-guard counterpart"

rg_start
/bin/true "$M-nocase"                              # nocase: the rule asks in upper case
/bin/true "$M-re-42x"                              # re
/bin/true "$M-re-42y"                              # re: no match
/bin/true "$(printf 'say %s-b64 now' "$M" | base64 -w0)"   # base64offset
/bin/true "$M-all-b" "$M-all-a"                    # all, in any order
/bin/true "$M-all-a"                               # all: one only
/bin/true "run $M-one-y"                           # 1 of selection_*
/bin/true "$M-one-x" "$M-skip"                     # ... but the filter
bash -c 'exec 3<>/dev/tcp/127.77.1.2/9' 2>/dev/null || true   # cidr (refused is fine)
bash -c 'exec 3<>/dev/tcp/127.0.0.1/9' 2>/dev/null || true    # outside the block
echo x >"$T/w/new.$M"                              # file_event: a file created
cat "$T/w/new.$M" >/dev/null                       # a read does not create
# SIGHUP reads the Sigma directory again: a rule added there fires
rule proc/reload.yml 5a000000-0000-4000-8000-000000000009 process_creation low <<YML
    selection:
        CommandLine|contains: '$M-reload'
    condition: selection
YML
kill -HUP "$RG_PID"
for _ in $(seq 100); do grep -q "rules reloaded" "$T/stderr" && break; sleep 0.1; done
/bin/true "$M-reload"
sleep 1.2
rg_stop

count() { sql "SELECT count(*) FROM alerts WHERE rule_id = '$1'"; }
check_eq "nocase: a command line in another case fires" "$(count 5a000000-0000-4000-8000-000000000001)" 1
check_eq "re: fires once (the other value does not match)" "$(count 5a000000-0000-4000-8000-000000000002)" 1
check_eq "base64offset: the base64 of a text holding the value fires" \
	"$(count 5a000000-0000-4000-8000-000000000003)" 1
check_eq "all: both values fire, one alone does not" "$(count 5a000000-0000-4000-8000-000000000004)" 1
check_eq "1 of and not: one selection fires, the filter silences" \
	"$(count 5a000000-0000-4000-8000-000000000005)" 1
check_eq "cidr: a connect into the block fires, one outside does not" \
	"$(count 5a000000-0000-4000-8000-000000000006)" 1
check_eq "cidr: the one that fired went into the block" \
	"$(sql "SELECT n.remote_addr FROM alerts a JOIN network_events n ON n.seq = a.event_seq
	        WHERE a.rule_id = '5a000000-0000-4000-8000-000000000006'")" 127.77.1.2
check_eq "file_event: creating the file fires, reading it does not" \
	"$(sql "SELECT count(*), min(f.event_type) FROM alerts a JOIN file_events f ON f.seq = a.event_seq
	        WHERE a.rule_id = '5a000000-0000-4000-8000-000000000007'")" "1|file_open"
check_eq "SIGHUP: a Sigma rule added to the directory fires" \
	"$(count 5a000000-0000-4000-8000-000000000009)" 1
check_eq "the alert row says where the rule came from" \
	"$(sql "SELECT rule_name, severity, tags, rule_source, rule_file FROM alerts
	        WHERE rule_id = '5a000000-0000-4000-8000-000000000001'")" \
	"5a000000-0000-4000-8000-000000000001 $M|high|[\"attack.execution\"]|sigma|$T/sigma/proc/nocase.yml"

python3 - "$T/events.ndjson" "$T/sigma/net.yml" <<'PY' || fail "the NDJSON checks stopped"
import json, sys
from tap import check, check_eq
alerts = [l for l in map(json.loads, open(sys.argv[1], "rb")) if l["event_type"] == "alert"]
net = [a for a in alerts if a["rule_id"] == "5a000000-0000-4000-8000-000000000006"]
check_eq(len(net), 1, "NDJSON: one alert for the connect into the block")
a = net[0] if net else {}
check_eq((a.get("rule_source"), a.get("rule_file"), a.get("severity"), a.get("tags")),
         ("sigma", sys.argv[2], "critical", ["attack.execution"]),
         "NDJSON: the alert names its Sigma rule's file, level and tags")
check_eq(a.get("trigger", {}).get("remote_addr"), "127.77.1.2", "NDJSON: and carries its event")
PY

live=$(sql "SELECT rule_id, event_seq FROM alerts ORDER BY seq" | tr '|' ' ')
replay=$("$RG_BUILD_DIR/rgq" --db "$T/rg.db" --format json replay --sigma "$T/sigma" --quiet |
	python3 -c 'import json, sys
for l in sys.stdin: a = json.loads(l); print(a["rule_id"], a["event_seq"])')
check_eq "rgq replay --sigma over the recording gives the live alerts" "$replay" "$live"
check_num "and there were alerts to compare" "$(echo "$live" | grep -c .)" ">=" 7
live_done
