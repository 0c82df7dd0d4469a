#!/usr/bin/env bash
# Live: files reached by another path than the host's. A write through a
# bind mount, made in a private mount namespace, to a watched host
# directory is recorded with the path the process used and host_path,
# where the file lives on the host; the same through a chroot (a
# container's view: its own root, the watched directory bind-mounted in).
# A write to the watched directory by its own path has no host_path, and
# one through a bind mount of an unwatched directory is not recorded.
source "$(dirname "$0")/lib.sh"
live_require
live_tap
command -v unshare >/dev/null || live_skip "no unshare"

W="$T/work"
mkdir -p "$W/watched" "$W/view" "$W/other" "$W/view2" "$W/root/data" "$W/root/bin"
rg_config
rg_watch "$W/watched"
rg_start

# a private mount namespace: the bind mounts are its own
unshare -m bash -c '
	mount --make-rprivate / &&
	mount --bind "$1/watched" "$1/view" &&
	mount --bind "$1/other" "$1/view2" &&
	echo through >"$1/view/bound.txt" &&
	echo not >"$1/view2/unwatched.txt"' _ "$W"
echo direct >"$W/watched/direct.txt"
# a container's view: a root of its own, the host directory mounted in
HAVE_BB=
if [ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q static; then
	HAVE_BB=1
	cp /bin/busybox "$W/root/bin/busybox"
	unshare -m bash -c '
		mount --make-rprivate / &&
		mount --bind "$1/watched" "$1/root/data" &&
		chroot "$1/root" /bin/busybox sh -c "echo jailed >/data/jailed.txt"' _ "$W"
fi
sleep 0.5
rg_stop
ok "recorder started and stopped cleanly"

rows() { sql "SELECT event_type || ' ' || path || ' ' || coalesce(host_path, '-') FROM file_events WHERE $1 ORDER BY seq" | paste -sd';'; }
check_eq "bind mount in a private namespace: open and write, both paths" \
	"$(rows "path = '$W/view/bound.txt'")" \
	"file_open $W/view/bound.txt $W/watched/bound.txt;file_write $W/view/bound.txt $W/watched/bound.txt"
check_eq "by its own path: no host_path" \
	"$(rows "path = '$W/watched/direct.txt'")" \
	"file_open $W/watched/direct.txt -;file_write $W/watched/direct.txt -"
check_eq "a bind mount of an unwatched directory: nothing" \
	"$(sql "SELECT count(*) FROM file_events WHERE path LIKE '$W/view2/%' OR host_path LIKE '$W/other/%'")" 0
if [ -n "$HAVE_BB" ]; then
	check_eq "chroot with the watched directory mounted in: its path and the host's" \
		"$(rows "host_path = '$W/watched/jailed.txt'")" \
		"file_open /data/jailed.txt $W/watched/jailed.txt;file_write /data/jailed.txt $W/watched/jailed.txt"
else
	ok "# SKIP no static busybox for the chroot"
fi
check_eq "NDJSON carries host_path" \
	"$(grep -c "\"host_path\":\"$W/watched/bound.txt\"" "$T/events.ndjson")" 2
RGQ="$RG_BUILD_DIR/rgq --db $T/rg.db"
check_run "rgq events --path" "$T/ev.out" $RGQ --format csv events --path "$W/view/bound.txt"
check_eq "rgq events: the host path beside the path" \
	"$(grep -c "\[host $W/watched/bound.txt\]" "$T/ev.out")" 2
live_done
