#!/usr/bin/env bash
# Live: an attacker's moves, made for real, each raise the shipped rule
# written for it, and a benign look-alike of each raises nothing: setuid
# and file capabilities on a copy of /bin/true, a symlink into
# /etc/systemd/system, an init script, a history file removed, emptied,
# truncated and symlinked to /dev/null, a hidden directory in /tmp,
# LD_PRELOAD at exec, a time set with touch -d, a private key read, a
# ptrace attach and a /proc/PID/mem open of a process that is not the
# caller's child, and an exec from a memfd. Everything is made in a
# throwaway area, or under a unique name removed at the end. Kernel module
# loads are not tried (this kernel has none; tests/cases/rules covers the
# rule), nor accounts (useradd would change this host's users).
source "$(dirname "$0")/lib.sh"
live_require
live_tap

M="rg$$x$RANDOM"
W=$T/w                              # watched as a whole
UNIT=/etc/systemd/system/$M.service # a symlink to /dev/null: masks no real unit
INITD=/etc/init.d/$M
KEYHOME=/home/$M
mkdir -p "$W" "$T/h1" "$T/h2" "$T/h3" "$T/h4" "$T/h5" /etc/systemd/system /etc/init.d \
	"$KEYHOME/.ssh"
trap 'rm -rf "$UNIT" "$INITD" "$KEYHOME" /tmp/.hidden-$M /tmp/$M-plain; cleanup' EXIT

rg_config
cat >>"$T/rg.ini" <<INI
[file]
watch_paths = /etc/systemd/system /etc/init.d $KEYHOME $W
watch_patterns = .bash_history
watch_writes = /tmp
[rules]
dir = $RG_SOURCE_DIR/config/rules.d
INI
for h in 1 2 3 4 5; do echo "ls" >"$T/h$h/.bash_history"; done
ssh-keygen -q -t ed25519 -N '' -C "$M" -f "$KEYHOME/.ssh/id_ed25519"
cp /bin/true "$W/suid-$M" && cp /bin/true "$W/plain-$M" && cp /bin/true "$W/cap-$M"
echo x >"$W/stamp-$M" && echo x >"$W/now-$M-ok"

rg_start

# --- the attacks
chmod u+s "$W/suid-$M"
chmod 0755 "$W/plain-$M"                                   # benign
setcap cap_net_raw+ep "$W/cap-$M"
ln -s /dev/null "$UNIT"
ln -s /dev/null "$W/$M-ok.service"                          # benign: not a location
echo '#!/bin/sh' >"$INITD"
rm -f "/etc/init.d/$M-ok-none"                              # benign: ENOENT
ln -sf /dev/null "$T/h1/.bash_history"                      # over the file: a rename
rm "$T/h2/.bash_history"
: >"$T/h3/.bash_history"                                    # O_TRUNC
truncate -s 0 "$T/h4/.bash_history"
echo "ls -l" >>"$T/h5/.bash_history"                        # benign: an append
mkdir "/tmp/.hidden-$M"
mkdir "/tmp/$M-plain"                                       # benign
LD_PRELOAD=/nonexistent.so /bin/true "$M-preload" 2>/dev/null
LD_LIBRARY_PATH=/nonexistent /bin/true "$M-ok-libpath"      # benign
touch -d 2001-01-01 "$W/stamp-$M"
touch "$W/now-$M-ok"                                        # benign: "now"
cat "$KEYHOME/.ssh/id_ed25519" >/dev/null
ssh-keygen -y -f "$KEYHOME/.ssh/id_ed25519" >/dev/null      # benign: ssh's own tool
"$RG_BUILD_DIR/exec_ops" memfd "$M-mem" /bin/true "$M-memfd"
/bin/true "$M-ok-plain"                                     # benign

# ptrace: a sibling (sleep, started by this shell) is not python's
# descendant; python's own child is
sleep 30 &
SLEEP=$!
python3 - "$SLEEP" >"$T/ptrace.out" <<'PY'
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
ATTACH, DETACH = 16, 17
def attach(pid):
    rc = libc.ptrace(ATTACH, pid, None, None)
    if rc == 0:
        os.waitpid(pid, 0)
        libc.ptrace(DETACH, pid, None, None)
    return rc
sibling = int(sys.argv[1])
print("sibling", attach(sibling))
fd = os.open(f"/proc/{sibling}/mem", os.O_RDWR)  # opened for writing, nothing written
os.close(fd)
child = os.fork()
if child == 0:
    time.sleep(5)
    os._exit(0)
print("child", child, attach(child))
fd = os.open(f"/proc/{child}/mem", os.O_RDWR)    # benign: its own child
os.close(fd)
os.kill(child, 9)
os.waitpid(child, 0)
PY
kill "$SLEEP" 2>/dev/null || true
wait "$SLEEP" 2>/dev/null || true
CHILD=$(awk '$1 == "child" {print $2}' "$T/ptrace.out")
check_re "python attached to its sibling and its child (as root)" "$(cat "$T/ptrace.out")" \
	$'^sibling 0\nchild [0-9]+ 0$'
sleep 0.5
rg_stop

# alerts of RULE whose summary is LIKE PATTERN
alerts() {
	sql "SELECT count(*) FROM alerts WHERE rule_id = '$1' AND summary LIKE '$2'"
}
fires() { check_num "$1 fires on $3" "$(alerts "$1" "$2")" '>=' 1; }

fires PRIV-SETUID-001 "file_chmod $W/suid-$M by %" "chmod u+s"
fires PRIV-FILECAP-001 "file_setxattr $W/cap-$M by %" "setcap"
fires PERSIST-LINK-001 "file_symlink /dev/null -> $UNIT by %" "ln -s into /etc/systemd/system"
fires PERSIST-INITD-001 "file_write $INITD by %" "a new init script"
fires EVADE-HISTORY-001 "file_rename % -> $T/h1/.bash_history by %" "ln -sf /dev/null over a history"
fires EVADE-HISTORY-001 "file_unlink $T/h2/.bash_history by %" "rm of a history"
fires EVADE-HISTORY-002 "file_open $T/h3/.bash_history by %" ": > a history"
fires EVADE-HISTORY-001 "file_truncate $T/h4/.bash_history by %" "truncate -s 0 of a history"
fires EVADE-HIDDEN-DIR-001 "file_mkdir /tmp/.hidden-$M by %" "mkdir /tmp/.hidden-*"
fires EXEC-LD-PRELOAD-001 "process_start /bin/true $M-preload by %" "LD_PRELOAD=/nonexistent.so"
fires EVADE-TIMESTOMP-001 "file_utimes $W/stamp-$M by %" "touch -d 2001-01-01"
fires CRED-PRIVATE-KEY-001 "file_open $KEYHOME/.ssh/id_ed25519 by /usr/bin/cat %" "cat of a key"
fires PRIV-PTRACE-001 "ptrace pid $SLEEP by %" "PTRACE_ATTACH of a sibling"
fires PRIV-PROC-MEM-001 "proc_mem_write pid $SLEEP by %" "/proc/PID/mem of a sibling"
fires EXEC-MEMFD-001 "process_start /bin/true $M-memfd by memfd:$M-mem %" "an exec from a memfd"

# --- the look-alikes: no alert at all
quiet() {
	check_eq "no alert for $1" "$(sql "SELECT group_concat(rule_id || ': ' || summary, '; ')
		FROM alerts WHERE summary LIKE '$2'")" ""
}
quiet "chmod 0755" "file_chmod $W/plain-$M %"
quiet "a symlink outside the persistence locations" "%$M-ok.service%"
quiet "rm -f of an init script that is not there (ENOENT)" "%$M-ok-none%"
quiet "an append to a history" "%$T/h5/%"
quiet "a plain mkdir in /tmp" "file_mkdir /tmp/$M-plain %"
quiet "LD_LIBRARY_PATH at exec" "%$M-ok-libpath%"
quiet "a plain touch" "%now-$M-ok%"
quiet "ssh-keygen reading its key" "% by /usr/bin/ssh-keygen %"
quiet "a ptrace attach of the caller's own child" "ptrace pid $CHILD by %"
quiet "/proc/PID/mem of the caller's own child" "proc_mem_write pid $CHILD by %"
quiet "a plain exec" "%$M-ok-plain%"

# --- replay: the same rules over the recording give the same alerts
q() { "$RG_BUILD_DIR/rgq" --db "$T/rg.db" "$@"; }
q --format csv alerts >"$T/live.csv"
check_run "rgq replay runs" "$T/replay.csv" q --format csv replay --rules "$RG_SOURCE_DIR/config/rules.d"
check_eq "rgq replay prints exactly the alerts the attacks raised (the diff)" \
	"$(diff "$T/live.csv" "$T/replay.csv" || true)" ""
live_done
