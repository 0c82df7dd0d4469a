#!/usr/bin/env bash
# Live: privilege and system operations end to end. tests/live/sys_ops.c
# makes each real call once so that it works and once so that it fails:
# credential changes as root dropping to nobody (setuid, setresuid,
# capset), a PTRACE_SEIZE of a sleeping process that is not its child and
# a POKEDATA into it, an open for writing of that process's /proc/PID/mem
# (and of its own, which is not recorded), memfd_create, a BPF program
# load, a tmpfs mount, a bind mount and umounts in a mount namespace of
# its own, unshare and setns. Each must be one NDJSON line and the same
# system_events row; the targets resolve to the sleeping process's
# proc_id, and the process row follows a credential change.
source "$(dirname "$0")/lib.sh"
live_require
live_tap

OPS=$RG_BUILD_DIR/sys_ops
MARK="rgsys$$_$RANDOM"
MNT="$T/mnt"
mkdir -p "$MNT/a" "$MNT/b"

rg_config
printf '[rules]\nallow_none = true\n' >>"$T/rg.ini" # --check-config below
rg_start
echo "$RG_PID" >"$T/rg.pid"
sleep 60 &
TARGET=$!
trap 'kill $TARGET 2>/dev/null; cleanup' EXIT
for _ in $(seq 50); do [[ $(readlink /proc/$TARGET/exe) == *sleep ]] && break; sleep 0.1; done

check_run "sys_ops cred" "$T/cred.out" "$OPS" cred
check_run "sys_ops ptrace (seize, poke, a failed attach)" "$T/ptrace.out" "$OPS" ptrace "$TARGET"
check_run "sys_ops procmem" "$T/procmem.out" "$OPS" procmem "$TARGET"
check_run "sys_ops memfd" "$T/memfd.out" "$OPS" memfd "$MARK"
check_run "sys_ops bpf" "$T/bpf.out" "$OPS" bpf rg_sys_test
check_run "sys_ops mount" "$T/mount.out" "$OPS" mount "$MNT"
check_run "sys_ops setns" "$T/setns.out" "$OPS" setns "$TARGET"
sleep 0.5
rg_stop
ok "recorder started and stopped cleanly"

# A kernel without module support has no module tracepoints: the recorder
# and --check-config say which calls are therefore not recorded.
"$RG" -c "$T/rg.ini" --check-config >"$T/check.out" 2>&1 || true
if [[ -e /sys/kernel/tracing/events/module/module_load ]]; then
	check_eq "--check-config: no missing module tracepoint" \
		"$(grep -c 'no tracepoint.*module_load' "$T/check.out")" 0
else
	check_re "--check-config names the missing module tracepoints" \
		"$(grep '^kernel: no tracepoint' "$T/check.out")" \
		'sys_exit_init_module sys_exit_finit_module module_load'
	check_re "the recorder said so at start" "$(cat "$T/stderr")" \
		'no sys_exit_finit_module tracepoint; finit_module calls are not recorded'
fi

python3 - "$T" "$MARK" "$TARGET" "$MNT" "$(realpath "$OPS")" <<'PY'
import json, os, sqlite3, sys
T, MARK, TARGET, MNT, OPS = sys.argv[1:6]
TARGET = int(TARGET)
from tap import check, check_eq

events = [json.loads(l) for l in open(f"{T}/events.ndjson", "rb").read().split(b"\n") if l]
db = sqlite3.connect(f"file:{T}/rg.db?mode=ro", uri=True)
db.row_factory = sqlite3.Row
cols = [r[1] for r in db.execute("PRAGMA table_info(system_events)")]
ours = [e for e in events if e.get("exe") == OPS and e["event_type"] not in
        ("process_start", "process_exit", "process_relationship", "file_open", "file_write",
         "binary_hashed")]

def one(etype, syscall, ok, **want):
    """The single event of ours of that type and call that worked (ok) or
    failed, with the fields in want; checked against its SQL row."""
    got = [e for e in ours if e["event_type"] == etype and e["syscall"] == syscall and
           (e["result"] >= 0) == ok and all(e.get(k) == v for k, v in want.items())]
    what = f"{etype} {syscall} {'ok' if ok else 'failed'} {want or ''}"
    check(len(got) == 1, f"NDJSON: one {what}", f"{len(got)} of {len(ours)}: "
          + "; ".join(json.dumps(e) for e in ours if e.get("syscall") == syscall)[:1500])
    if len(got) != 1:
        return {}
    e = got[0]
    row = db.execute("SELECT * FROM system_events WHERE seq = ?", (e["seq"],)).fetchone()
    diff = {c: (row[c], e[c]) for c in cols if c in e and row is not None and
            row[c] != (int(e[c]) if isinstance(e[c], bool) else e[c])}
    # a column the line lacks is one the type does not have: NULL
    diff.update({c: (row[c], None) for c in cols if c not in e and row is not None and
                 row[c] is not None})
    check(row is not None and not diff, f"SQL: the row of {what} is the NDJSON line", diff)
    return e

target_proc = db.execute("SELECT proc_id FROM processes WHERE pid = ? ORDER BY proc_id DESC",
                         (TARGET,)).fetchone()[0]

# credential changes: before and after, the failures with ids unchanged
e = one("cred_change", "setuid", True)
check(e.get("old_uid") == 0 and e.get("uid") == 65534 and e.get("euid") == 65534 and
      e.get("fsuid") == 65534, "setuid: uid, euid and fsuid 0 -> 65534", e)
check(e.get("old_cap_effective", 0) != 0 and e.get("cap_effective") == 0,
      "setuid: the effective capabilities went with root", e)
row = db.execute("SELECT uid, euid FROM processes WHERE proc_id = ?", (e.get("proc_id"),)).fetchone()
check(row is not None and tuple(row) == (65534, 65534),
      "processes: the row follows the credential change", row and tuple(row))
e = one("cred_change", "setuid", False, result=-1)
check(e.get("old_uid") == 65534 and e.get("uid") == 65534, "setuid(0) refused: ids unchanged", e)
e = one("cred_change", "setresuid", True)
check(e.get("old_euid") == 0 and e.get("uid") == 65534 and e.get("euid") == 65534,
      "setresuid: 0 -> 65534", e)
e = one("cred_change", "capset", True)
check(e.get("old_cap_effective", 0) & (1 << 21) and e.get("cap_effective") == 0 and
      e.get("uid") == 0, "capset: CAP_SYS_ADMIN and the rest dropped, still uid 0", e)
one("cred_change", "capset", False, result=-22)

# ptrace: the target is the sleeping process, by proc_id too
e = one("ptrace", "ptrace", True, ptrace_request=0x4206)
check_eq((e.get("target_pid"), e.get("target_proc_id")), (TARGET, target_proc),
         "PTRACE_SEIZE: target pid and proc_id")
e = one("ptrace", "ptrace", True, ptrace_request=5)
check_eq((e.get("target_pid"), e.get("target_proc_id")), (TARGET, target_proc),
         "PTRACE_POKEDATA: target pid and proc_id")
e = one("ptrace", "ptrace", False, ptrace_request=16, result=-3)
check_eq((e.get("target_pid"), e.get("target_proc_id")), (0x3ffffff0, None),
         "a failed PTRACE_ATTACH: the pid asked for, no process")
check(not [x for x in ours if x["event_type"] == "ptrace" and x["ptrace_request"] not in (16, 5, 0x4206)],
      "ptrace: PTRACE_INTERRUPT, PEEKDATA and DETACH are not recorded")

# /proc/PID/mem: another process's, not its own
e = one("proc_mem_write", "openat", True)
check_eq((e.get("path"), e.get("target_pid"), e.get("target_proc_id")),
         (f"/proc/{TARGET}/mem", TARGET, target_proc), "proc_mem_write: path and target")
check(e.get("flags", 0) & 3 == 2, "proc_mem_write: O_RDWR in flags", e.get("flags"))

e = one("memfd_create", "memfd_create", True, name=MARK)
check_eq(e.get("flags"), 3, "memfd_create: MFD_CLOEXEC | MFD_ALLOW_SEALING")
one("memfd_create", "memfd_create", False, name=MARK, flags=0x8000, result=-22)

e = one("bpf_load", "bpf", True, name="rg_sys_test", bpf_prog_type=1)
check_eq(e.get("result"), int(open(f"{T}/bpf.out").read()), "bpf_load: the result is the fd")
one("bpf_load", "bpf", False, name="rg_sys_test", bpf_prog_type=9999, result=-22)

# mounts in the helper's own mount namespace
one("namespace_change", "unshare", True, flags=0x20000)
e = one("mount", "mount", True, path="/", flags=0x44000)
check(e.get("fstype") is None and e.get("source") is None, "mount --make-rprivate: no type, no source", e)
e = one("mount", "mount", True, path=f"{MNT}/a", fstype="tmpfs")
check_eq((e.get("source"), e.get("flags")), ("rg-tmpfs", 2), "tmpfs mount: source and MS_NOSUID")
e = one("mount", "mount", True, path=f"{MNT}/b", flags=0x1000)
check_eq((e.get("source"), e.get("fstype")), (f"{MNT}/a", None), "bind mount: source, no type")
one("umount", "umount2", True, path=f"{MNT}/b", flags=0)
one("umount", "umount2", False, path=f"{MNT}/b", result=-22)
one("mount", "mount", False, path=f"{MNT}/missing", result=-2)

e = one("namespace_change", "setns", True, flags=0x20000)
mnt_ns = os.readlink(f"/proc/{TARGET}/ns/mnt")
check_eq(e.get("name"), mnt_ns, "setns: the namespace joined, as its file names it")
one("namespace_change", "setns", False, flags=0x40000000, result=-22)

rg = [e for e in events if e.get("pid") == int(open(f"{T}/rg.pid").read())]
check(not rg, "the recorder's own calls (capset, BPF loads) are not recorded", rg[:2])
PY
live_done
