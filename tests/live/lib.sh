# tests/live/lib.sh: shared by the live tests, which run the real recorder
# against the real kernel and check what it stored. Sourced, not run.
#
#   live_require          skip (exit 77) with a reason unless root + BPF + BTF
#   rg_watch DIR          record file activity under DIR only (no name patterns)
#   rg_start [args]       start the recorder on a fresh db/NDJSON in $T
#   rg_stop               SIGTERM it and wait (it flushes everything)
#   sql "SELECT ..."      query the recording
#   busy DIR SECONDS      write files in DIR, one every 1-2 ms, for SECONDS:
#                         a steady writer of the test's own events
#   fail "why"            report and exit 1: for what the test cannot go on
#                         without (the recorder would not start or stop)
# Checks that carry on, as the unit and CLI tiers' do (after live_tap):
#   live_tap              numbered TAP from here on, shared with the
#                         embedded Python's checks; a failed check no longer
#                         ends the test
#   ok "what"             a step that passed (reaching it is the check)
#   nok "what"            a step that failed; the caller prints why
#   check_eq "what" GOT WANT       GOT == WANT; else prints both
#   check_re "what" GOT REGEX      GOT matches the extended REGEX; else both
#   check_num "what" GOT OP WANT   integers: GOT OP WANT, OP one of
#                                  < <= == != >= >; else prints both
#   check_run "what" OUT CMD...    CMD exits 0, its stdout in the file OUT;
#                                  else prints its exit code and stderr
#   live_done             prints the plan; exit 1 if any check failed
# (check_eq and check_re print as tests/cli/lib.sh's do.)
# Embedded Python: `from tap import check, check_eq, ndjson` (tap.py).
set -euo pipefail

: "${RG_BUILD_DIR:?set by ctest}"
: "${RG_SOURCE_DIR:?set by ctest}"
RG=$RG_BUILD_DIR/rand-guard
# the tests' embedded Python imports tap.py (check, ndjson) from here;
# without writing bytecode into the source tree, and with its asserts on
export PYTHONPATH=$RG_SOURCE_DIR/tests/live${PYTHONPATH:+:$PYTHONPATH}
export PYTHONDONTWRITEBYTECODE=1
unset PYTHONOPTIMIZE

live_skip() {
	if [[ "${RG_REQUIRE_LIVE:-0}" == 1 ]]; then
		echo "not ok - live test required but cannot run: $1"
		exit 1
	fi
	echo "# SKIP live test: $1"
	exit 77
}

live_require() {
	[[ $(id -u) -eq 0 ]] || live_skip "needs root to load BPF programs"
	[[ -r /sys/kernel/btf/vmlinux ]] || live_skip "kernel has no BTF (/sys/kernel/btf/vmlinux)"
	command -v python3 >/dev/null || live_skip "needs python3 to check the output"
}

T=$(mktemp -d /tmp/rg-live.XXXXXX)
RG_PID=
cleanup() {
	[[ -n "$RG_PID" ]] && kill -9 "$RG_PID" 2>/dev/null || true
	if [[ "${KEEP:-0}" != 1 ]]; then rm -rf "$T"; else echo "# kept $T"; fi
}
trap cleanup EXIT

fail() {
	echo "not ok - $*"
	[[ -z "${RG_TAP_STATE:-}" ]] || echo "# stopped after $(tap_count) checks"
	echo "# recorder stderr:"; sed 's/^/#   /' "$T/stderr" 2>/dev/null | tail -20
	exit 1
}

# Writes $T/rg.ini, a config whose outputs are all inside $T; a test may
# append lines to it before rg_start.
rg_config() {
	cat >"$T/rg.ini" <<-INI
	[recorder]
	ndjson = $T/events.ndjson
	health_interval_s = 1
	[store]
	db = $T/rg.db
	batch_ms = 50
	INI
}

# Appends to $T/rg.ini (rg_config first): DIR is the only watched place, so
# a test's counts are not disturbed by other files on the host.
rg_watch() {
	printf '[file]\nwatch_paths = %s\nwatch_patterns =\nwatch_writes =\n' "$1" >>"$T/rg.ini"
}

rg_start() {
	[[ -f "$T/rg.ini" ]] || rg_config
	"$RG" -c "$T/rg.ini" "$@" 2>"$T/stderr" &
	RG_PID=$!
	# the verifier checks every program at start: 5-6 s on an idle 2-vCPU VM
	for _ in $(seq 300); do
		grep -q "recording" "$T/stderr" 2>/dev/null && return 0
		kill -0 "$RG_PID" 2>/dev/null || fail "recorder exited at start"
		sleep 0.1
	done
	fail "recorder did not start within 30 s"
}

rg_stop() {
	kill -TERM "$RG_PID"
	local rc=0
	wait "$RG_PID" || rc=$?
	RG_PID=
	[[ $rc -eq 0 ]] || fail "recorder exited with $rc on SIGTERM"
}

busy() {
	python3 - "$1" "$2" <<-'PY'
	import os, sys, time
	end = time.time() + float(sys.argv[2])
	i = 0
	while time.time() < end:
	    i += 1
	    with open(os.path.join(sys.argv[1], "f%d" % (i % 50)), "w") as f:
	        f.write("x")
	    time.sleep(0.001)
	PY
}

sql() {
	python3 - "$T/rg.db" "$1" <<-'PY'
	import sqlite3, sys
	con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
	for row in con.execute(sys.argv[2]):
	    print("|".join("" if v is None else str(v) for v in row))
	PY
}

# --- carry-on checks -------------------------------------------------------------
# The count lives in a file, "CHECKS FAILED", so that tap.py's checks in the
# embedded Python number on from the shell's and count their failures too.
live_tap() {
	export RG_TAP_STATE=$T/tap.state
	echo "0 0" >"$RG_TAP_STATE"
}
tap_count() { local n f; read -r n f <"$RG_TAP_STATE"; echo "$n"; }

# tap_line ok|not-ok "what": one numbered line, counted.
tap_line() {
	local n f
	read -r n f <"$RG_TAP_STATE"
	n=$((n + 1))
	[[ $1 == ok ]] || f=$((f + 1))
	echo "$n $f" >"$RG_TAP_STATE"
	echo "${1/-/ } $n - $2"
}

ok() { tap_line ok "$1"; }
nok() { tap_line not-ok "$1"; }

# tap_fail "what" GOT WANT: a failed check, with what it got and wanted.
tap_fail() {
	tap_line not-ok "$1"
	printf 'got:  %s\nwant: %s\n' "$2" "$3" | sed 's/^/#   /' | head -60
}

check_eq() {
	if [[ "$2" == "$3" ]]; then tap_line ok "$1"; else tap_fail "$1" "$2" "$3"; fi
}

check_re() {
	if [[ "$2" =~ $3 ]]; then tap_line ok "$1"; else tap_fail "$1" "$2" "/$3/"; fi
}

# A GOT that is not an integer (an empty query result) fails the check
# instead of breaking the arithmetic.
check_num() {
	if [[ $2 =~ ^-?[0-9]+$ && $4 =~ ^-?[0-9]+$ ]] && (($2 $3 $4)); then
		tap_line ok "$1"
	else
		tap_fail "$1" "$2" "$3 $4"
	fi
}

check_run() {
	local what=$1 out=$2 rc=0
	shift 2
	"$@" >"$out" 2>"$T/run.err" || rc=$?
	if ((rc == 0)); then
		tap_line ok "$what"
	else
		tap_fail "$what" "exit $rc: $(cat "$T/run.err")" "exit 0"
	fi
}

live_done() {
	local n f
	read -r n f <"$RG_TAP_STATE"
	echo "1..$n"
	if ((f)); then
		echo "# $f of $n checks failed"
		exit 1
	fi
}
