#!/usr/bin/env bash
# Live: who ran a process and where. A user created while recording runs
# a program (its name on the exec, in NDJSON and the rows) and is deleted
# (the recorded name stays; a later process of that uid has none); a uid
# given to another account while the recorder is stopped names each exec
# as the files were at the exec; sudo's
# and SSH's variables give the origin; a cgroup made by the test, and
# runtime-style ones (/docker/ID, docker-ID.scope) below it, give the
# cgroup id (its directory's inode), path and container, which a rule and
# rgq events --container select by; new namespaces (unshare) show the
# inode numbers /proc/self/ns/* shows inside them.
source "$(dirname "$0")/lib.sh"
live_require
live_tap
for tool in useradd userdel setpriv unshare findmnt; do
	command -v $tool >/dev/null || live_skip "needs $tool"
done
CG=$(findmnt -t cgroup2 -n -o TARGET | head -1)
[[ -n $CG ]] || live_skip "no cgroup2 hierarchy mounted"

MARK="rgid$$_$RANDOM"
U="rgu$$"
UA="rga$$"
UB="rgb$$"
HEX=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
HEX2=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
TCG="$CG/rg-test-$$"
undo() {
	for u in "$U" "$UA" "$UB"; do
		userdel "$u" 2>/dev/null || true
		groupdel "$u" 2>/dev/null || true # USERGROUPS_ENAB no keeps it
	done
	for d in "$TCG/docker/$HEX" "$TCG/docker" "$TCG/docker-$HEX2.scope" "$TCG"; do
		rmdir "$d" 2>/dev/null || true
	done
	cleanup
}
trap undo EXIT

rg_config
rg_watch "$T/w"
mkdir -p "$T/w"
cat >>"$T/rg.ini" <<INI
[rule "T-CONTAINER-EXEC"]
name = an exec in the test's docker container
severity = low
events = process_start
match = container_runtime equals docker
match = container_id equals $HEX
[rule "T-CONTAINER-WRITE"]
name = a file written from the test's docker container (lineage context)
severity = low
events = file_write
match = container_id equals $HEX
match = path prefix $T/w
INI
rg_start

# Waits for the recorder to write echo's exec of "$MARK-$1" (setpriv's
# command line names the mark too, and can be written first).
echo_read() {
	for _ in $(seq 100); do
		grep -q "^{\"event_type\":\"process_start\".*\"comm\":\"echo\".*\"$MARK-$1\"" \
			"$T/events.ndjson" && return 0
		sleep 0.1
	done
	fail "echo $1 not recorded within 10 s"
}

# People: a user added a moment before its first process, then deleted.
useradd -M -U -s /bin/sh "$U" || fail "useradd $U"
UID_=$(id -u "$U")
GID_=$(id -g "$U")
setpriv --reuid="$UID_" --regid="$GID_" --clear-groups /bin/echo "$MARK-user" >/dev/null
echo_read user
userdel "$U" || fail "userdel $U"
setpriv --reuid="$UID_" --regid="$GID_" --clear-groups /bin/echo "$MARK-gone" >/dev/null
# read before the next change: a version of the files that stood only
# between two reads of the recorder is never read (docs/threat-model.md)
echo_read gone

# A uid given to another account while the recorder is behind (stopped):
# each exec is named as the files were at the exec, not at its reading.
useradd -M -U -s /bin/sh "$UA" || fail "useradd $UA"
XID=$(id -u "$UA")
/bin/echo "$MARK-seen" >/dev/null
echo_read seen # the recorder has read the files with $UA in them
kill -STOP "$RG_PID"
setpriv --reuid="$XID" --regid="$XID" --clear-groups /bin/echo "$MARK-a" >/dev/null
userdel "$UA" || fail "userdel $UA"
useradd -M -U -s /bin/sh -u "$XID" "$UB" || fail "useradd $UB"
setpriv --reuid="$XID" --regid="$XID" --clear-groups /bin/echo "$MARK-b" >/dev/null
kill -CONT "$RG_PID"
echo_read b
env SUDO_USER="rg-sudo-$MARK" SUDO_UID=0 SSH_CONNECTION="203.0.113.7 50022 10.0.0.1 22" \
	/bin/echo "$MARK-origin" >/dev/null

# Where: a new cgroup, runtime-style cgroups below it, new namespaces.
mkdir -p "$TCG/docker/$HEX" "$TCG/docker-$HEX2.scope"
sh -c "echo \$\$ >'$TCG/cgroup.procs' && exec /bin/echo $MARK-cg" >/dev/null
sh -c "echo \$\$ >'$TCG/docker/$HEX/cgroup.procs' && exec sh -c 'echo x >$T/w/f; exec /bin/echo $MARK-docker'" >/dev/null
sh -c "echo \$\$ >'$TCG/docker-$HEX2.scope/cgroup.procs' && exec /bin/echo $MARK-scope" >/dev/null
unshare -U -r -m -n -u -p -C --fork sh -c \
	"for n in pid mnt net uts cgroup user; do readlink /proc/self/ns/\$n; done >$T/ns.txt; exec /bin/echo $MARK-ns" \
	>/dev/null
for n in pid mnt net uts cgroup user; do readlink /proc/self/ns/$n; done >"$T/hostns.txt"
sleep 0.5
rg_stop
ok "recorder started and stopped cleanly"

check_run "rgq events --container SHORTID" "$T/rgq.csv" \
	"$RG_BUILD_DIR/rgq" --db "$T/rg.db" --format csv events --type process_start \
	--container "${HEX:0:12}" --limit 0
check_re "rgq events --container: the container's execs (newest first), not the exec before the move, with the user column" \
	"$(cut -d, -f6-8 "$T/rgq.csv" | tr '\n' ' ')" \
	"^uid,user,exe 0,root,/usr/bin/echo 0,root,/usr/bin/dash $"
check_run "rgq events --container NOSUCH" "$T/none.csv" \
	"$RG_BUILD_DIR/rgq" --db "$T/rg.db" --format csv events --container "${HEX2:0:12}x" --limit 0
check_eq "rgq events --container: another container's processes are not listed" \
	"$(wc -l <"$T/none.csv")" 1

LOGINUID=$(cat /proc/self/loginuid)
if [[ $LOGINUID == 4294967295 ]]; then LOGIN=unset; else LOGIN=$(getent passwd "$LOGINUID" | cut -d: -f1); fi

python3 - "$T" "$MARK" "$U" "$UID_" "$HEX" "$HEX2" "$TCG" "$CG" "$LOGIN" "$UA" "$UB" "$XID" <<'PY'
import json, os, sqlite3, sys
T, MARK, U, UID, HEX, HEX2, TCG, CG, LOGIN, UA, UB, XID = sys.argv[1:13]
ECHO = os.path.realpath("/bin/echo")
from tap import check, check_eq

events = [json.loads(l) for l in open(f"{T}/events.ndjson", "rb").read().split(b"\n") if l]
def start(tag):
    es = [e for e in events if e["event_type"] == "process_start" and e["exe"] == ECHO
          and e["argv"][-1:] == [f"{MARK}-{tag}"]]
    check(len(es) == 1, f"NDJSON: one exec of echo {tag}")
    return es[0] if es else {}
db = sqlite3.connect(f"file:{T}/rg.db?mode=ro", uri=True)
db.row_factory = sqlite3.Row
def row(tag):
    r = db.execute("SELECT * FROM processes WHERE cmdline = ?", (f"/bin/echo {MARK}-{tag}",)).fetchall()
    check(len(r) == 1, f"rows: one process for echo {tag}")
    return r[0] if r else {}
def ev_row(tag):
    r = db.execute("SELECT * FROM process_events WHERE event_type = 'process_start' AND cmdline = ?",
                   (f"/bin/echo {MARK}-{tag}",)).fetchall()
    return r[0] if r else {}

# people
e, p, r = start("user"), row("user"), ev_row("user")
check_eq((e.get("uid"), e.get("user"), e.get("euser"), e.get("group_name")),
         (int(UID), U, U, U), "NDJSON: the new user's exec names it (user, euser, group_name)")
check_eq((p["user"], p["euser"], p["group_name"]), (U, U, U),
         "rows: the name stays in processes after userdel")
check_eq(r["user"], U, "rows: and on its process_start row")
check_eq(e.get("login_user"), LOGIN, "NDJSON: login_user names the test's login uid")
g = start("gone")
check_eq((g.get("uid"), g.get("user"), g.get("group_name")), (int(UID), None, None),
         "NDJSON: after userdel the uid has no name")
check_eq(row("gone")["user"], None, "rows: nor in processes")
a, b = start("a"), start("b")
check_eq((a.get("uid"), a.get("user"), a.get("euser"), b.get("uid"), b.get("user"), b.get("euser")),
         (int(XID), UA, UA, int(XID), UB, UB),
         "NDJSON: a uid given to another account, read late: each exec named as at the exec")
check_eq((row("a")["user"], row("b")["user"]), (UA, UB), "rows: the same in processes")
o = start("origin")
check_eq((o.get("ssh_client"), o.get("ssh_client_port")), ("203.0.113.7", 50022),
         "NDJSON: the SSH client from SSH_CONNECTION")
check_eq(o.get("sudo_user"), f"rg-sudo-{MARK}", "NDJSON: sudo_user is SUDO_USER")
po = row("origin")
check_eq((po["ssh_client"], po["ssh_client_port"]), ("203.0.113.7", 50022),
         "rows: the origin in processes")

# where
def inode(path):
    return os.stat(path).st_ino
c = start("cg")
rel = TCG[len(CG):]
check_eq((c.get("cgroup_id"), c.get("cgroup_path"), c.get("container_id")),
         (inode(TCG), rel, None), "NDJSON: a new cgroup: its inode and path, no container")
check_eq((row("cg")["cgroup_id"], row("cg")["cgroup_path"]), (inode(TCG), rel),
         "rows: the cgroup in processes")
d = start("docker")
check_eq((d.get("cgroup_id"), d.get("cgroup_path"), d.get("container_id"), d.get("container_runtime")),
         (inode(f"{TCG}/docker/{HEX}"), f"{rel}/docker/{HEX}", HEX, "docker"),
         "NDJSON: /docker/ID: docker and its id")
pd = row("docker")
check_eq((pd["container_id"], pd["container_runtime"]), (HEX, "docker"), "rows: the container in processes")
s = start("scope")
check_eq((s.get("container_id"), s.get("container_runtime")), (HEX2, "docker"),
         "NDJSON: docker-ID.scope: docker and its id")
host = [e for e in events if e["event_type"] == "process_start" and e.get("container_id")
        and MARK not in " ".join(e["argv"]) and e["cmdline"].find(MARK) < 0]
check(not [h for h in host if h["container_id"] in (HEX, HEX2)], "no other process is in the test's containers")

alerts = db.execute("SELECT rule_id, event_type FROM alerts WHERE rule_id LIKE 'T-CONTAINER-%' ORDER BY seq").fetchall()
check_eq([tuple(a) for a in alerts],
         [("T-CONTAINER-EXEC", "process_start"), ("T-CONTAINER-WRITE", "file_write"),
          ("T-CONTAINER-EXEC", "process_start")],
         "rules: container_id on the execs, and by lineage on the write, only in the container")

loads = db.execute("SELECT max(name_loads) FROM health").fetchone()[0]
check(loads is not None and loads >= 3,
      f"health: name_loads counts the parses: at start, and after useradd/userdel ({loads})")

n = start("ns")
inside = [int(l.split("[")[1].rstrip("]\n")) for l in open(f"{T}/ns.txt")]
hostns = [int(l.split("[")[1].rstrip("]\n")) for l in open(f"{T}/hostns.txt")]
got = [n.get(k) for k in ("pidns", "mntns", "netns", "utsns", "cgroupns", "userns")]
check_eq(got, inside, "NDJSON: the namespaces of an exec in unshare -U -r -m -n -u -p -C are /proc/self/ns/*'s there")
check(all(a != b for a, b in zip(inside, hostns)),
      "and all six are new, the user namespace too")
pn = row("ns")
check_eq([pn[k] for k in ("pidns", "mntns", "netns", "utsns", "cgroupns", "userns")], inside,
         "rows: the namespaces in processes")
check_eq([c.get(k) for k in ("pidns", "mntns", "netns", "utsns", "cgroupns", "userns")], hostns,
         "NDJSON: a process in the host's namespaces has the host's")
PY
live_done
