# test_rgq_report.sh: rgq report writes one self-contained HTML file; loaded
# offline in headless Chromium, its DOM holds the alerts, the process tree
# (nested, collapsible), the timeline, files, connections and coverage, and
# every part has as many rows as the rgq command printed above it gives: for
# an alert's report, a time range's (--since/--until) and a process's
# (--proc-id).
# A screenshot is kept in the build tree (test-artifacts/report.png).
# The Chromium checks are skipped without chromium (scripts/deps --test).
source "$(dirname "$0")/lib.sh"
RGQ=$RG_BUILD_DIR/rgq
DB=$T/rep.db
"$RG_BUILD_DIR/rg-gen" --db "$DB" --events 6000 --runs 2 \
	--rules "$RG_SOURCE_DIR/config/rules.d" 2>"$T/err" && ok "rg-gen builds the fixture" ||
	nok "rg-gen builds the fixture"
q() { "$RGQ" --db "$DB" "$@"; }
sql1() { q --format csv sql "$1" | tail -n +2 | tr -d '\r'; }

A=$(sql1 "SELECT seq FROM alerts WHERE proc_id IS NOT NULL AND rule_id LIKE 'SEQ-%' ORDER BY seq LIMIT 1")
OUT=$T/report.html
expect 0 "report --alert writes the file" q report "$OUT" --alert "$A"
check_eq "the report is 0600 (evidence)" "$(stat -c %a "$OUT")" 600
check "the report names nothing to fetch: no URL, no src, a CSP forbidding fetches" \
	"! grep -qiE 'https?://|src=|@import|url\\(' '$OUT' && grep -q \"default-src 'none'\" '$OUT'"
WANT="--force replaces it" expect 1 "an existing file is kept" q report "$OUT" --alert "$A"
expect 0 "--force replaces it" q report "$OUT" --alert "$A" --force
WANT="name one of --alert" expect 2 "a report needs a scope" q report "$T/x.html"
WANT="give the HTML file" expect 2 "a report needs its file" q report --alert "$A"
WANT="no alert with seq 999999" expect 1 "an unknown alert" q report "$T/x.html" --alert 999999
check "a failed report leaves no file" "[[ ! -e '$T/x.html' ]]"
WANT="no process with proc_id 999999" expect 1 "an unknown process" q report "$T/x.html" --proc-id 999999
# What a recording holds is text an attacker chose: it is escaped, never markup.
HP=$(sql1 "SELECT proc_id FROM alerts WHERE seq = $A")
cp "$DB" "$T/hostile.db"
sqlite3 "$T/hostile.db" "UPDATE processes SET cmdline = '<script>alert(1)</script><img src=x onerror=y>' || char(8238) || 'gpj.exe' WHERE proc_id = $HP;
	UPDATE process_events SET cmdline = '</td></table><b>x' WHERE proc_id = $HP AND event_type = 'process_start'"
"$RGQ" --db "$T/hostile.db" report "$T/hostile.html" --alert "$A" 2>"$T/err"
check "a command line holding markup is shown as text, a bidi override escaped" \
	"grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=y&gt;\\u202egpj.exe' '$T/hostile.html' && grep -qF '&lt;/td&gt;&lt;/table&gt;&lt;b&gt;x' '$T/hostile.html' && ! grep -qiE '<script>alert|<img|<b>x' '$T/hostile.html'"
MID=$(sql1 "SELECT rg_time(ts_ns) FROM alerts ORDER BY seq LIMIT 1 OFFSET 2")
R_SINCE=${MID:0:19}Z R_UNTIL=${MID:0:17}$(printf '%02d' $((10#${MID:17:2} + 1)))Z
expect 0 "report of a time range" q report "$T/range.html" --since "$R_SINCE" --until "$R_UNTIL"
# a process with a parent and children, one that alerted: its report is its tree
P=$(sql1 "SELECT p.proc_id FROM processes p WHERE p.parent_proc_id IS NOT NULL AND p.user IS NOT NULL
	AND EXISTS (SELECT 1 FROM processes c WHERE c.parent_proc_id = p.proc_id)
	AND EXISTS (SELECT 1 FROM alerts a WHERE a.proc_id = p.proc_id) ORDER BY p.proc_id LIMIT 1")
expect 0 "report of a process (--proc-id $P)" q report "$T/proc.html" --proc-id "$P"

if ! command -v chromium >/dev/null; then
	echo "# SKIP chromium is not installed (scripts/deps --test): the DOM checks"
	cli_done
	exit
fi
# Offline: every host name resolves to nothing, so a fetch could not succeed.
chrome() {
	timeout 90 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$T/chrome" --host-resolver-rules="MAP * ~NOTFOUND" "$@" 2>>"$T/chrome.log"
}

# Each part: the rows of its table in the DOM against the rows its command
# prints (the command run as shown, with --format csv after it).
cat >"$T/parts.py" <<'PY'
import html.parser, json, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.sec, self.pre, self.stack, self.depth = [], None, None, 0, 0
        self.details, self.nested, self.this = 0, 0, 0
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "section":
            self.sec = a["id"]
        elif tag == "pre" and a.get("class") == "cmd":
            self.pre = ""
            self.parts.append({"section": self.sec, "cmd": None, "rows": 0, "empty": False})
        elif tag == "tr" and self.parts and self.in_body:
            self.parts[-1]["rows"] += 1
        elif tag == "tbody":
            self.in_body = True
        elif tag == "details":
            self.details += 1
            self.depth += 1
            if self.depth > 1:
                self.nested += 1
            if a.get("class") == "this":
                self.this += 1
            self.parts[-1]["rows"] += 1
        elif tag == "p" and a.get("class") == "empty" and self.parts:
            self.parts[-1]["empty"] = True
    in_body = False
    def handle_endtag(self, tag):
        if tag == "pre" and self.pre is not None:
            self.parts[-1]["cmd"] = self.pre
            self.pre = None
        elif tag == "tbody":
            self.in_body = False
        elif tag == "details":
            self.depth -= 1
    def handle_data(self, d):
        if self.pre is not None:
            self.pre += d
p = P()
p.feed(open(sys.argv[1]).read())
json.dump({"parts": p.parts, "details": p.details, "nested": p.nested, "this": p.this},
          open(sys.argv[2], "w"))
PY
# dom NAME FILE SECTIONS: Chromium loads the report; its DOM has these parts
# in order, and each part as many rows as the command shown above it prints.
# Leaves the parts in $T/NAME.json and the DOM in $T/NAME.dom.
dom() {
	local name=$1 file=$2 sections=$3 i sec rows cmd want
	chrome --dump-dom "file://$file" >"$T/$name.dom"
	check "$name: Chromium loads the report and gives its DOM" "grep -q '<h1>rand-guard report' '$T/$name.dom'"
	python3 "$T/parts.py" "$T/$name.dom" "$T/$name.json"
	check_eq "$name: the DOM has its parts, in order" \
		"$(python3 -c 'import json,sys; print(" ".join(p["section"] for p in json.load(open(sys.argv[1]))["parts"]))' "$T/$name.json")" \
		"$sections"
	nparts=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["parts"]))' "$T/$name.json")
	for i in $(seq 0 $((nparts - 1))); do
		python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["parts"][int(sys.argv[2])]; print(p["section"]); print(p["rows"]); print(p["cmd"])' \
			"$T/$name.json" "$i" >"$T/part"
		sec=$(sed -n 1p "$T/part") rows=$(sed -n 2p "$T/part") cmd=$(sed -n '3,$p' "$T/part")
		[[ $cmd == "rgq "* ]] || { nok "$name: $sec: the command is shown"; continue; }
		want=$(eval "\"$RGQ\" ${cmd#rgq } --format csv" 2>"$T/err" | tail -n +2 | wc -l)
		check_eq "$name: $sec: the DOM's rows are the rows of its command ($want)" "$rows" "$want"
	done
}
# part NAME INDEX KEY: one value of one part
part() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["parts"][int(sys.argv[2])][sys.argv[3]])' "$T/$1.json" "$2" "$3"; }
# doc NAME KEY: a count of the whole DOM (details, nested, this)
doc() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/$1.json" "$2"; }

dom alert "$OUT" "alerts tree timeline files net bin gaps"
check "alert: the alert is among the alerts part, the tree and timeline are not empty" \
	"[[ \$(part alert 0 rows) -ge 1 && \$(part alert 1 rows) -gt 1 && \$(part alert 2 rows) -gt 1 && \$(doc alert nested) -ge 1 && \$(doc alert this) -eq 1 ]]"

# a time range: its alerts, the trees of the processes that alerted in it
# (at most 10), the events of the range
NT=$(sql1 "SELECT min(10, count(DISTINCT proc_id)) FROM alerts WHERE proc_id IS NOT NULL AND ts_ns BETWEEN strftime('%s', '$R_SINCE') * 1000000000 AND strftime('%s', '$R_UNTIL') * 1000000000")
NA=$(sql1 "SELECT count(*) FROM alerts WHERE ts_ns BETWEEN strftime('%s', '$R_SINCE') * 1000000000 AND strftime('%s', '$R_UNTIL') * 1000000000")
dom range "$T/range.html" "alerts$(printf ' tree%.0s' $(seq 1 "$NT")) timeline files net bin gaps"
check_eq "range: the range's alerts ($NA), one tree for each alerted process ($NT), each marked" \
	"$(part range 0 rows) $(doc range this)" "$NA $NT"
RANGE="--since ${R_SINCE%Z}.000000000Z --until ${R_UNTIL%Z}.000000000Z" # as rgq prints times
check "range: the alerts and the timeline are the commands of the range" \
	"[[ \$(part range 0 cmd) == *' alerts $RANGE' && \$(part range $((NT + 1)) cmd) == *' events --oldest --limit 2000 $RANGE' && \$(part range $((NT + 1)) rows) -gt 0 ]]"

# a process: its tree (ancestors, it, descendants), its and its descendants'
# timeline, its user named in the tree
NDESC=$(sql1 "WITH RECURSIVE t(id) AS (SELECT $P UNION SELECT p.proc_id FROM processes p JOIN t ON p.parent_proc_id = t.id) SELECT count(*) - 1 FROM t")
NANC=$(sql1 "WITH RECURSIVE u(id, parent) AS (SELECT proc_id, parent_proc_id FROM processes WHERE proc_id = $P UNION SELECT p.proc_id, p.parent_proc_id FROM processes p JOIN u ON p.proc_id = u.parent) SELECT count(*) - 1 FROM u")
dom proc "$T/proc.html" "alerts tree timeline files net bin gaps"
check_eq "proc: the tree holds its $NANC ancestors, it and its $NDESC descendants, it marked" \
	"$(part proc 1 rows) $(doc proc this)" "$((NANC + 1 + NDESC)) 1"
check "proc: the timeline is its tree's, and not empty" \
	"[[ \$(part proc 2 cmd) == *' timeline --proc-id $P --descendants --limit 2000' && \$(part proc 2 rows) -gt 1 ]]"
PU=$(sql1 "SELECT uid || '(' || user || ')' FROM processes WHERE proc_id = $P")
check "proc: the process's line in the tree names its user ($PU)" \
	"grep -A1 'class=\"this\" data-proc-id=\"$P\"' '$T/proc.dom' | grep -qF 'uid $PU, proc_id $P,'"

mkdir -p "$RG_BUILD_DIR/test-artifacts"
SHOT=$RG_BUILD_DIR/test-artifacts/report.png
rm -f "$SHOT"
chrome --screenshot="$SHOT" --window-size=1400,1800 --hide-scrollbars "file://$OUT" >/dev/null
check "a screenshot of the report: $SHOT" \
	"[[ \$(stat -c %s '$SHOT' 2>/dev/null || echo 0) -gt 20000 ]] && [[ \$(head -c 8 '$SHOT' | od -An -tx1 | tr -d ' ') == 89504e470d0a1a0a ]]"
cli_done
