#!/usr/bin/env bash
# Live: changes to files' metadata and names end to end. Each call (chmod,
# chown, link, symlink, mkdir, utimes, setxattr, truncate and their
# variants) is made directly on a watched directory, once succeeding and
# once failing; its NDJSON line and its SQL row must hold its columns. In
# an unwatched directory only a mode with setuid/setgid and
# security.capability are recorded; a link or symlink is watched by the
# link it makes, also where the kernel leaves the decision to the recorder
# (a name with "." in it).
source "$(dirname "$0")/lib.sh"
live_require
live_tap

OPS=$RG_BUILD_DIR/file_ops
W="$T/w"   # watched
U="$T/u"   # not watched
mkdir -p "$W" "$U"
chmod 755 "$T"   # the calls made as nobody must reach the files to fail on them
for f in f g h lnk; do echo data >"$W/$f"; done
for f in f s p c t; do echo data >"$U/$f"; done
ln -s f "$W/sym"
rg_config
rg_watch "$W"
SEC=1700000000

rg_start
# call LABEL CALL ARGS...: makes the call, notes its result under LABEL
call() { local l=$1; shift; echo "$l $("$OPS" sys "$@")" >>"$T/calls"; }
nobody() { local l=$1; shift; echo "$l $(setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$OPS" sys "$@")" >>"$T/calls"; }

call chmod chmod "$W/f" 640;                 call chmod- chmod "$W/missing" 640
call fchmod fchmod "$W/f" 600;               nobody fchmod- fchmod "$W/g" 600
call fchmodat fchmodat "$W" f 644;           call fchmodat- fchmodat "$W" missing 644
call fchmodat2 fchmodat2 "$W" f 604;         call fchmodat2- fchmodat2 "$W" missing 604
call chown chown "$W/f" 1 2;                 call chown- chown "$W/missing" 1 2
call lchown lchown "$W/sym" 3 4;             call lchown- lchown "$W/missing" 3 4
call fchown fchown "$W/f" 5 6;               nobody fchown- fchown "$W/g" 5 6
call fchownat fchownat "$W" f -1 7;          call fchownat- fchownat "$W" missing -1 7
call link link "$W/f" "$W/hl";               call link- link "$W/missing" "$W/hl-"
call linkat linkat "$U" t "$W" hl2;          call linkat- linkat "$U" missing "$W" hl2-
call link-out link "$W/h" "$U/hl"            # the link is not watched: not recorded
call symlink symlink ../u/t "$W/sl";         call symlink- symlink /etc/passwd "$W/nodir/sl"
call symlinkat symlinkat /etc/shadow "$W" sl2; call symlinkat- symlinkat /x "$W" sl2
call symlink-out symlink "$W/f" "$U/sl"      # the link is not watched: not recorded
call mkdir mkdir "$W/d" 750;                 call mkdir- mkdir "$W/nodir/d" 750
call mkdirat mkdirat "$W" d2 700;            call mkdirat- mkdirat "$W" d 700
call utimensat utimensat "$W" f $SEC;        call utimensat- utimensat "$W" missing $SEC
call futimens futimens "$W/f";               nobody futimens- futimens "$W/g"
call utimes utimes "$W/f" $SEC;              call utimes- utimes "$W/missing" $SEC
call utime utime "$W/f" $SEC;                call utime- utime "$W/missing" $SEC
call futimesat futimesat "$W" f $SEC;        call futimesat- futimesat "$W" missing $SEC
call setxattr setxattr "$W/f" security.rgtest; call setxattr- setxattr "$W/missing" security.rgtest
call lsetxattr lsetxattr "$W/sym" security.rgtest; call lsetxattr- lsetxattr "$W/missing" security.x
call fsetxattr fsetxattr "$W/f" security.capability; nobody fsetxattr- fsetxattr "$W/g" security.x
call setxattrat setxattrat "$W" f security.capability
call setxattrat- setxattrat "$W" missing security.capability
call user-xattr setxattr "$W/f" user.rgtest  # not security.*: not recorded
call truncate truncate "$W/f" 2;             call truncate- truncate "$W/missing" 2
call ftruncate ftruncate "$W/f" 1;           call ftruncate- ftruncate "$W/f" -1
# not watched: only setuid/setgid modes and file capabilities
call u-suid chmod "$U/s" 4755;               call u-sgid fchmod "$U/c" 2755
call u-plain chmod "$U/p" 644;               call u-caps setxattr "$U/c" security.capability
call u-sec setxattr "$U/c" security.rgtest;  call u-trunc truncate "$U/t" 1
call u-ftrunc ftruncate "$U/t" 0;            call u-chown chown "$U/p" 1 1
# names with "." the kernel leaves to the recorder, which decides the same
call r-suid chmod "$U/./s" 4700;             call r-plain chmod "$U/./p" 600
call r-symlink symlink /etc/passwd "$W/./sl3"; call r-symlink-out symlink "$W/f" "$U/./sl4"
call r-link-out link "$W/h" "$U/./hl3"
sleep 0.5
rg_stop
ok "recorder started and stopped cleanly"

python3 - "$T" "$W" "$U" "$SEC" <<'PY'
import json, sqlite3, sys
T, W, U, SEC = sys.argv[1:5]
SEC = int(SEC)
from tap import check, check_eq

calls = dict(l.split() for l in open(f"{T}/calls"))
events = [json.loads(l) for l in open(f"{T}/events.ndjson") if l.strip()]
files = [e for e in events if e["event_type"].startswith("file_")]
# the opens of the f* calls' fds are file_open events: not what is checked here
meta = [e for e in files if e["event_type"] not in ("file_open", "file_write")]
NOW = None  # mtime_ns: "now" or left as it was
E, M = -2, -1  # ENOENT; M: the call's own failure, whatever its errno

# label: event_type, syscall, path, new_path, other columns
want = {
    "chmod": ("file_chmod", "chmod", f"{W}/f", None, {"mode": 0o640}),
    "chmod-": ("file_chmod", "chmod", f"{W}/missing", None, {"mode": 0o640}),
    "fchmod": ("file_chmod", "fchmod", f"{W}/f", None, {"mode": 0o600}),
    "fchmod-": ("file_chmod", "fchmod", f"{W}/g", None, {"mode": 0o600}),
    "fchmodat": ("file_chmod", "fchmodat", f"{W}/f", None, {"mode": 0o644}),
    "fchmodat-": ("file_chmod", "fchmodat", f"{W}/missing", None, {}),
    "fchmodat2": ("file_chmod", "fchmodat2", f"{W}/f", None, {"mode": 0o604, "flags": 0x100}),
    "fchmodat2-": ("file_chmod", "fchmodat2", f"{W}/missing", None, {}),
    "chown": ("file_chown", "chown", f"{W}/f", None, {"owner_uid": 1, "owner_gid": 2}),
    "chown-": ("file_chown", "chown", f"{W}/missing", None, {}),
    "lchown": ("file_chown", "lchown", f"{W}/sym", None, {"owner_uid": 3, "owner_gid": 4}),
    "lchown-": ("file_chown", "lchown", f"{W}/missing", None, {}),
    "fchown": ("file_chown", "fchown", f"{W}/f", None, {"owner_uid": 5, "owner_gid": 6}),
    "fchown-": ("file_chown", "fchown", f"{W}/g", None, {}),
    "fchownat": ("file_chown", "fchownat", f"{W}/f", None,
                 {"owner_uid": 4294967295, "owner_gid": 7, "flags": 0x100}),
    "fchownat-": ("file_chown", "fchownat", f"{W}/missing", None, {}),
    "link": ("file_link", "link", f"{W}/f", f"{W}/hl", {}),
    "link-": ("file_link", "link", f"{W}/missing", f"{W}/hl-", {}),
    "linkat": ("file_link", "linkat", f"{U}/t", f"{W}/hl2", {"flags": 0x400}),
    "linkat-": ("file_link", "linkat", f"{U}/missing", f"{W}/hl2-", {}),
    "symlink": ("file_symlink", "symlink", "../u/t", f"{W}/sl", {}),
    "symlink-": ("file_symlink", "symlink", "/etc/passwd", f"{W}/nodir/sl", {}),
    "symlinkat": ("file_symlink", "symlinkat", "/etc/shadow", f"{W}/sl2", {}),
    "symlinkat-": ("file_symlink", "symlinkat", "/x", f"{W}/sl2", {}),
    "mkdir": ("file_mkdir", "mkdir", f"{W}/d", None, {"mode": 0o750}),
    "mkdir-": ("file_mkdir", "mkdir", f"{W}/nodir/d", None, {}),
    "mkdirat": ("file_mkdir", "mkdirat", f"{W}/d2", None, {"mode": 0o700}),
    "mkdirat-": ("file_mkdir", "mkdirat", f"{W}/d", None, {}),
    "utimensat": ("file_utimes", "utimensat", f"{W}/f", None,
                  {"mtime_ns": SEC * 10**9 + 123456789}),
    "utimensat-": ("file_utimes", "utimensat", f"{W}/missing", None, {}),
    "futimens": ("file_utimes", "utimensat", f"{W}/f", None, {"mtime_ns": NOW}),
    "futimens-": ("file_utimes", "utimensat", f"{W}/g", None, {"mtime_ns": NOW}),
    "utimes": ("file_utimes", "utimes", f"{W}/f", None, {"mtime_ns": SEC * 10**9 + 250000000}),
    "utimes-": ("file_utimes", "utimes", f"{W}/missing", None, {}),
    "utime": ("file_utimes", "utime", f"{W}/f", None, {"mtime_ns": SEC * 10**9}),
    "utime-": ("file_utimes", "utime", f"{W}/missing", None, {}),
    "futimesat": ("file_utimes", "futimesat", f"{W}/f", None,
                  {"mtime_ns": SEC * 10**9 + 250000000}),
    "futimesat-": ("file_utimes", "futimesat", f"{W}/missing", None, {}),
    "setxattr": ("file_setxattr", "setxattr", f"{W}/f", None, {"xattr_name": "security.rgtest"}),
    "setxattr-": ("file_setxattr", "setxattr", f"{W}/missing", None, {}),
    "lsetxattr": ("file_setxattr", "lsetxattr", f"{W}/sym", None,
                  {"xattr_name": "security.rgtest"}),
    "lsetxattr-": ("file_setxattr", "lsetxattr", f"{W}/missing", None, {"xattr_name": "security.x"}),
    "fsetxattr": ("file_setxattr", "fsetxattr", f"{W}/f", None,
                  {"xattr_name": "security.capability"}),
    "fsetxattr-": ("file_setxattr", "fsetxattr", f"{W}/g", None, {"xattr_name": "security.x"}),
    "setxattrat": ("file_setxattr", "setxattrat", f"{W}/f", None,
                   {"xattr_name": "security.capability"}),
    "setxattrat-": ("file_setxattr", "setxattrat", f"{W}/missing", None, {}),
    "truncate": ("file_truncate", "truncate", f"{W}/f", None, {}),
    "truncate-": ("file_truncate", "truncate", f"{W}/missing", None, {}),
    "ftruncate": ("file_truncate", "ftruncate", f"{W}/f", None, {}),
    "ftruncate-": ("file_truncate", "ftruncate", f"{W}/f", None, {}),
    "u-suid": ("file_chmod", "chmod", f"{U}/s", None, {"mode": 0o4755}),
    "u-sgid": ("file_chmod", "fchmod", f"{U}/c", None, {"mode": 0o2755}),
    "u-caps": ("file_setxattr", "setxattr", f"{U}/c", None, {"xattr_name": "security.capability"}),
    "r-suid": ("file_chmod", "chmod", f"{U}/s", None, {"mode": 0o4700}),
    "r-symlink": ("file_symlink", "symlink", "/etc/passwd", f"{W}/sl3", {}),
}
# successes succeed and failures fail, or the test is not testing them
for label in want:
    rc = int(calls[label])
    if label.endswith("-"):
        check(rc < 0, f"{label}: the call failed ({rc})")
    elif rc != 0:
        check(False, f"{label}: the call succeeded ({rc})")

used = set()
for label, (etype, sysc, path, new_path, cols) in want.items():
    got = [e for e in meta if e["event_type"] == etype and e["syscall"] == sysc and
           e["path"] == path and e.get("new_path") == new_path and
           e["result"] == int(calls[label]) and id(e) not in used]
    check(got, f"{label}: {etype} {sysc} {path} {new_path or ''} result {calls[label]}")
    if got:
        used.add(id(got[0]))
        diff = {k: (got[0].get(k), v) for k, v in cols.items() if got[0].get(k) != v}
        check(not diff, f"{label}: columns {sorted(cols)}", f"got, want: {diff}")

unwanted = ["link-out", "symlink-out", "user-xattr", "u-plain", "u-sec", "u-trunc",
            "u-ftrunc", "u-chown", "r-plain", "r-symlink-out", "r-link-out"]
extra = [e for e in meta if id(e) not in used]
check(not extra, f"nothing else is recorded ({' '.join(unwanted)})",
      [(e["event_type"], e["syscall"], e["path"], e.get("new_path")) for e in extra])

db = sqlite3.connect(f"file:{T}/rg.db?mode=ro", uri=True)
db.row_factory = sqlite3.Row
cols = ["event_type", "syscall", "path", "new_path", "result", "mode", "flags",
        "owner_uid", "owner_gid", "mtime_ns", "xattr_name", "proc_id"]
rows = {r["seq"]: r for r in db.execute(f"SELECT seq, {', '.join(cols)} FROM file_events")}
check_eq(len(rows), len(files), "SQLite has every NDJSON file event")
bad = [(e["seq"], c, rows[e["seq"]][c], e.get(c)) for e in files for c in cols
       if e["seq"] in rows and rows[e["seq"]][c] != e.get(c)]
check(not bad, "SQL rows equal the NDJSON lines, column by column", bad[:5])
h = db.execute("SELECT kernel_drops FROM health ORDER BY seq DESC LIMIT 1").fetchone()
check_eq(h[0], 0, "health: no kernel drops")
PY
live_done
