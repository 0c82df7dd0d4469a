#!/usr/bin/env bash
# Live: file telemetry end to end. Real opens, writes, renames and unlinks
# under watched, excluded and unwatched paths; checks resolved absolute
# paths, results, byte-exact odd names, one file_write per open (a failed
# write does not take the place of the first that succeeds), that
# what is not watched is not recorded, and that under a watch_writes path
# only changes are (no read-only opens), in both NDJSON and SQLite.
# A private mount namespace for the bind mount below: it goes away with the
# test, even when the test is killed before its trap can unmount it.
if [[ -z "${RG_IN_MOUNT_NS:-}" ]] && command -v unshare >/dev/null && [[ $(id -u) -eq 0 ]]; then
	RG_IN_MOUNT_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
live_require
live_tap

OPS=$RG_BUILD_DIR/file_ops
M="rg$$x$RANDOM"
W="$T/w"                     # watched
WO="$T/wo"                   # watch_writes: changes only
mkdir -p "$W/excluded/moved/deep" "$W/sub" "$W/bound" "$T/unwatched/src" "$WO" /etc/cron.d \
	/etc/systemd/system
echo old > "$WO/existing"
rg_config
cat >>"$T/rg.ini" <<INI
[file]
watch_paths = /etc/cron.d /etc/systemd/system $W
exclude_paths = $W/excluded
watch_patterns = *.$M
watch_writes = $WO
INI

ODD=$(printf 'odd\nname"q\xff\xfe-%s' "$M")   # newline, quote, invalid UTF-8
cleanup_files() {
	umount "$W/bound" 2>/dev/null || true
	rm -f "/etc/cron.d/$M-job" "/etc/systemd/system/$M.service" "/tmp/$M.service"
}
trap 'cleanup_files; cleanup' EXIT

rg_start
# One CPU for the shell and what it runs: the kernel's directory cache is
# per CPU, and the cases below that use it (a verdict cached, then reused
# or retired) would otherwise pass by luck when they ran on different CPUs.
taskset -pc 0 $$ >/dev/null
(cd /etc/cron.d && echo "* * * * * root true" > "$M-job")          # relative write
echo "[Unit]" > "/tmp/$M.service" && mv "/tmp/$M.service" /etc/systemd/system/
"$OPS" unlinkat /etc/systemd/system "$M.service"                   # dirfd unlink
cat "/etc/cron.d/$M-missing" 2>/dev/null || true                   # failed open
"$OPS" writes "$W/many" 100                                        # 1 open, 100 writes
"$OPS" cfr-fallback "$W/cfr"                                       # failed write, then one
printf 'x' > "$W/$ODD"
"$OPS" deep "$W" 22                                                # > 4096 bytes
echo no > "$W/excluded/$M-ex"; echo no > "$T/unwatched/$M-un"
echo yes > "$T/unwatched/pat.$M"                                   # pattern, unwatched dir
echo yes > "$T/unwatched/pat2.$M"                                  # ... its verdict cached
for i in 1 2 3; do echo $i > "$W/sub/f$i"; done                     # cached directory path
echo no > "$W/excluded/moved/deep/before"                           # cached: excluded
mv "$W/excluded/moved" "$W/moved"              # moves deep's path, not its name: the
echo yes > "$W/moved/deep/after"               # rename must retire the cached verdict
mount --bind "$T/unwatched/src" "$W/bound"    # one directory, two mounts: the
echo no > "$T/unwatched/src/b1"                # cached verdict is the mount's, so
echo yes > "$W/bound/b2"                       # the watched one is recorded and
echo no > "$T/unwatched/src/b3"                # the unwatched one is not
umount "$W/bound"
rm "/etc/cron.d/$M-job"
for i in 1 2 3; do cat "$WO/existing" >/dev/null; done             # reads: not recorded
cat "$WO/missing" 2>/dev/null || true                               # failed read: neither
echo new > "$WO/new"                                                # a change: recorded
echo x 2>/dev/null > "$WO/nodir/x" || true                         # failed create: recorded
mv "$WO/new" "$WO/renamed"; rm "$WO/renamed"
cat "$WO/existing" >/dev/null                                       # read, verdict cached
sleep 0.5
rg_stop
ok "recorder started and stopped cleanly"

python3 - "$T" "$M" "$W" <<'PY'
import json, sqlite3, sys
T, M, W = sys.argv[1:4]
from tap import check, check_eq

def unescape(s):  # JSON's \udcXX surrogates back to the original bytes
    return s.encode("utf-8", "surrogateescape")

raw = open(f"{T}/events.ndjson", "rb").read()
lines = [l for l in raw.split(b"\n") if l]
events = [json.loads(l) for l in lines]
check(all(isinstance(e, dict) for e in events), "every NDJSON line is one JSON object")
files = [e for e in events if e["event_type"].startswith("file_")]
def find(t, path, **kw):
    return [e for e in files if e["event_type"] == t and e["path"] == path
            and all(e.get(k) == v for k, v in kw.items())]

job = f"/etc/cron.d/{M}-job"
o = find("file_open", job)
check(len(o) == 1 and o[0]["result"] >= 0, "relative open in /etc/cron.d: absolute path, fd result")
check(o[0]["syscall"] in ("openat", "open") and o[0]["flags"] & 0o1101 == 0o1101,
      f"open flags O_WRONLY|O_CREAT|O_TRUNC ({oct(o[0]['flags'])})")
check(o[0]["exe"] and o[0]["proc_id"] and o[0]["comm"], "open carries exe, comm, proc_id")
check(len(find("file_write", job)) == 1, "its write is one file_write")
r = find("file_rename", f"/tmp/{M}.service", new_path=f"/etc/systemd/system/{M}.service")
check(len(r) == 1 and r[0]["result"] == 0 and r[0]["syscall"].startswith("rename"),
      "mv /tmp -> /etc/systemd/system: one file_rename with both paths")
u = find("file_unlink", f"/etc/systemd/system/{M}.service", syscall="unlinkat")
check(len(u) == 1 and u[0]["result"] == 0, "unlinkat with a directory fd: absolute path")
f = find("file_open", f"/etc/cron.d/{M}-missing")
check(len(f) == 1 and f[0]["result"] == -2, "failed open on a watched path: result -ENOENT")
check(len(find("file_open", f"{W}/many")) == 1 and len(find("file_write", f"{W}/many")) == 1,
      "100 writes through one open: one file_write")
cfr = [(e["syscall"], e["result"]) for e in find("file_write", f"{W}/cfr")]
check(cfr == [("copy_file_range", -9), ("write", 1)],
      f"a failed copy_file_range (-EBADF), then write: both recorded, in order ({cfr})")
odd = [e for e in files if e["event_type"] == "file_open" and
       unescape(e["path"]) == f"{W}/".encode() + b'odd\nname"q\xff\xfe-' + M.encode()]
check(len(odd) == 1, "odd name: NDJSON restores the exact bytes")
check(not any(b"\n" in l for l in lines) and b'\\udcff' in raw, "odd name: escaped, single line")
deep = [e for e in files if e["event_type"] == "file_open" and e["path"].endswith("/leaf")]
check(len(deep) == 1 and deep[0]["path_truncated"] is True and
      len(unescape(deep[0]["path"])) <= 4096, "path over 4096 bytes: truncated and flagged")
check(not [e for e in files if M + "-ex" in e["path"] or M + "-un" in e["path"]],
      "excluded and unwatched paths: nothing recorded")
check(len(find("file_open", f"{T}/unwatched/pat.{M}")) == 1, "a watch pattern matches anywhere")
check(len(find("file_open", f"{T}/unwatched/pat2.{M}")) == 1,
      "a pattern still matches in a directory whose verdict is cached")
check(all(len(find("file_open", f"{W}/sub/f{i}")) == 1 for i in (1, 2, 3)),
      "files of one watched directory: exact paths (cached directory path)")
check(not [e for e in files if e["path"].endswith("/before")],
      "excluded directory: nothing recorded")
check(len(find("file_rename", f"{W}/excluded/moved", new_path=f"{W}/moved")) == 1 and
      len(find("file_open", f"{W}/moved/deep/after")) == 1,
      "a directory renamed from excluded to watched: its files are recorded")
check(len(find("file_open", f"{W}/bound/b2")) == 1 and
      not [e for e in files if e["path"].endswith(("/b1", "/b3"))],
      "a directory bind-mounted under a watched path: recorded there only")
check(len(find("file_unlink", job)) == 1, "rm in /etc/cron.d recorded")
wo = [e for e in files if e["path"].startswith(f"{T}/wo/")]
check(not [e for e in wo if e["event_type"] == "file_open" and e["flags"] & 3 == 0 and
           not e["flags"] & 0o1100],
      "watch_writes: no read-only open recorded (4 reads, 1 failed read)")
check(len(find("file_open", f"{T}/wo/new")) == 1 and len(find("file_write", f"{T}/wo/new")) == 1,
      "watch_writes: the open for writing and its first write are")
check([e["result"] for e in find("file_open", f"{T}/wo/nodir/x")] == [-2],
      "watch_writes: a failed create is, with -ENOENT")
check(len(find("file_rename", f"{T}/wo/new", new_path=f"{T}/wo/renamed")) == 1 and
      len(find("file_unlink", f"{T}/wo/renamed")) == 1, "watch_writes: rename and unlink are")

db = sqlite3.connect(f"file:{T}/rg.db?mode=ro", uri=True)
db.text_factory = bytes
rows = db.execute("SELECT seq, event_type, path, new_path, result, proc_id FROM file_events").fetchall()
check(len(rows) == len(files), f"SQLite has every NDJSON file event ({len(rows)})")
byseq = {e["seq"]: e for e in files}
same = all(unescape(byseq[s]["path"]) == p and byseq[s]["result"] == res and
           byseq[s]["proc_id"] == pid for s, t, p, np, res, pid in rows)
check(same, "SQLite rows equal the NDJSON events, paths byte for byte")
cfr = db.execute("SELECT syscall, result FROM file_events WHERE event_type = 'file_write' "
                 "AND path = ? ORDER BY seq", (f"{W}/cfr",)).fetchall()
check_eq(cfr, [(b"copy_file_range", -9), (b"write", 1)], "SQLite: the same two writes")
check(any(p == f"{W}/".encode() + b'odd\nname"q\xff\xfe-' + M.encode() for _, _, p, *_ in rows),
      "odd name stored byte-exactly in SQLite")
h = db.execute("SELECT kernel_drops, rows_file_events FROM health ORDER BY seq DESC LIMIT 1").fetchone()
check(h[0] == 0 and h[1] == len(rows), f"health: no drops, rows_file_events {h[1]}")
PY

# [file] enabled = false: the file programs are not even loaded.
rm -f "$T/rg.db"* "$T/events.ndjson"
rg_config
printf '[file]\nenabled = false\n' >>"$T/rg.ini"
before=$(bpftool prog show 2>/dev/null | grep -c " name rg_openat " || true)
rg_start
loaded=$(( $(bpftool prog show 2>/dev/null | grep -c " name rg_openat " || true) - before ))
echo x > "/etc/cron.d/$M-off"; rm -f "/etc/cron.d/$M-off"
sleep 0.3
rg_stop
check_eq "[file] enabled = false: no file events" "$(sql "SELECT count(*) FROM file_events")" 0
check_eq "[file] enabled = false: the file programs are not loaded" "$loaded" 0
live_done
