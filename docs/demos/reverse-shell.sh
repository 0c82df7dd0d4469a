#!/usr/bin/env bash
# Demo: did anything open a shell for someone on the network? A process
# connects to a listener on loopback and its child runs /bin/sh: the
# sequence rule SEQ-REVERSE-SHELL-001 names the connect and the shell's
# exec. Needs [network] enabled = true (docs/quickstart.md). Nothing leaves
# the host; nothing is left behind.
source "$(dirname "$0")/common.sh"
marker=rg-demo-shell-$$
since=$(date +%s)

step "a listener on 127.0.0.1, a client that connects and then runs a shell"
python3 - "$marker" <<'PY'
import os, socket, subprocess, sys
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen()
if os.fork() == 0:
    c = socket.create_connection(srv.getsockname())
    subprocess.run(["/bin/sh", "-c", ": " + sys.argv[1]])
    os._exit(0)
srv.accept()
os.wait()
PY
net="SELECT 1 FROM network_events WHERE ts_ns >= ${since}000000000 LIMIT 1"
for _ in $(seq 25); do
	[[ -n $("$RGQ" --db "$RG_DB" --format csv sql "$net" | tail -n +2) ]] && break
	sleep 0.2
done
if [[ -z $("$RGQ" --db "$RG_DB" --format csv sql "$net" | tail -n +2) ]]; then
	echo "demo: no network event recorded since the demo began: set [network] enabled = true" \
		"and restart the recorder" >&2
	exit 1
fi
seen "SELECT 1 FROM alerts a JOIN process_events e ON e.seq = a.event_seq
      WHERE a.rule_id = 'SEQ-REVERSE-SHELL-001' AND e.cmdline LIKE '%$marker%'"

answer alerts --rule SEQ-REVERSE-SHELL-001 --since 10m
