#!/usr/bin/env bash
# Live: every docs/demos script, run as written against a live recorder
# with the shipped config and rules (network on, as the reverse-shell demo
# asks), and the rows its final rgq command must answer with.
source "$(dirname "$0")/lib.sh"
live_require
live_tap
D=$RG_SOURCE_DIR/docs/demos

mkdir -p "$T/rules.d"
cp "$RG_SOURCE_DIR"/config/rules.d/*.rules "$T/rules.d/"
rg_config
printf '[network]\nenabled = true\n[rules]\ndir = rules.d\n' >>"$T/rg.ini"
rg_start
export RG_DB=$T/rg.db RGQ=$RG_BUILD_DIR/rgq
# what the demos may create; whatever happens, none of it may stay
had_cron=$([[ -d /etc/cron.d ]] && echo 1 || echo 0)
leftovers() {
	ls -d /etc/systemd/system/rg-demo-* /etc/cron.d/rg-demo-* /dev/shm/rg-demo-* 2>/dev/null || true
	((had_cron)) || [[ ! -d /etc/cron.d ]] || echo /etc/cron.d
}
trap 'l=$(leftovers); [[ -z $l ]] || echo "# demos left behind: $l"; cleanup' EXIT

# One check per demo: it exits 0 and the Python's asserts hold; else its
# exit code and the end of its output, and on to the next demo.
demo() { # demo SCRIPT PYTHON-CHECK-OF-ITS-OUTPUT WHAT
	local rc=0
	timeout 60 bash "$D/$1" >"$T/$1.out" 2>&1 || rc=$?
	if [[ $rc -eq 0 ]] && python3 -c "$2" "$T/$1.out"; then
		ok "$1: $3"
	else
		nok "$1: $3 (exit $rc)"
		sed 's/^/#   /' "$T/$1.out" | tail -25
	fi
}

demo lineage.sh '
import sys
out = open(sys.argv[1]).read()
this = [l.split() for l in out.splitlines() if len(l.split()) > 3 and l.split()[2] == "this"]
assert len(this) == 1 and this[0][-2:] == ["sleep", "0.5"], out
assert any("ancestor" in l and "rg-demo-lineage" in l for l in out.splitlines()), out
' "rgq tree shows the command and the shells above it"

demo persistence.sh '
import sys
out = open(sys.argv[1]).read()
for rule in ("PERSIST-SYSTEMD-001", "PERSIST-CRON-001"):
    assert out.count(rule) >= 2, (rule, out)  # written and removed
tl = out.split("timeline")[-1]
for kind in ("file_open", "file_write", "file_unlink"):
    assert kind in tl, (kind, out)
' "alerts for the unit and the cron job; the timeline of the cron file"

demo drop-exec.sh '
import sys
out = open(sys.argv[1]).read()
rows = [l for l in out.splitlines() if l[:4].isdigit() and "SEQ-DROP-EXEC-001" in l]
assert len(rows) == 1 and "after file_write /dev/shm/" in rows[0], out
steps = out.split("json_each")[-1]
assert "file_write" in steps and "process_start" in steps, out
' "the sequence alert, and its two steps: the write and the exec"

demo reverse-shell.sh '
import sys
out = open(sys.argv[1]).read()
rows = [l for l in out.splitlines() if l[:4].isdigit() and "SEQ-REVERSE-SHELL-001" in l and "after network_connect 127.0.0.1" in l]
assert rows, out
' "the reverse-shell alert: a shell after a loopback connect"

demo replay.sh '
import sys
out = open(sys.argv[1]).read()
rows = [l for l in out.splitlines() if l[:4].isdigit() and "LOCAL-GETENT-PASSWD" in l and "rg-demo-replay" in l]
assert rows, out
' "rgq replay: the new rule over the recording"

rg_stop
check_eq "the demos removed everything they created (what is left)" "$(leftovers)" ""
live_done
