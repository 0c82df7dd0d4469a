#!/usr/bin/env bash
# Live: the benchmark harness itself (scripts/bench --smoke: one round of
# tiny workloads, every configuration that is installed). It measures
# nothing worth reading; it checks that each configuration starts and
# stops, that rand-guard's completeness counts are exact for every
# workload (each exec, watched open, first write, connect and accept of
# the mixed loop; no unwatched or excluded open, no unwatched chmod, no
# read or write of the read+write storm), that the BPF program
# time table is filled, and that nothing is left running or switched on
# (no agent or peer process, kernel.bpf_stats_enabled and audit as before).
source "$(dirname "$0")/lib.sh"
live_require
command -v ninja >/dev/null || live_skip "needs ninja for the C build workload"
command -v bpftool >/dev/null || live_skip "needs bpftool for the BPF program time"
live_tap

stats_before=$(cat /proc/sys/kernel/bpf_stats_enabled)
audit_state() { command -v auditctl >/dev/null && auditctl -s | grep -E '^(enabled|pid) ' || true; }
audit_before=$(audit_state)
# whatever happens here, the statistics switch ends as it was
trap 'echo "$stats_before" >/proc/sys/kernel/bpf_stats_enabled; cleanup' EXIT
python3 "$RG_SOURCE_DIR/scripts/bench" --smoke --build-dir "$RG_BUILD_DIR" \
	>"$T/bench.out" 2>"$T/bench.err" || {
	sed 's/^/#   /' "$T/bench.err" | tail -20
	fail "scripts/bench --smoke failed"
}
ok "scripts/bench --smoke ran"
sed 's/^/# /' "$T/bench.out"

python3 - "$T/bench.out" <<'PY' || fail "the checks of the bench's tables stopped"
import re, sys
from tap import check
text = open(sys.argv[1]).read()

# each workload's table: its title line, then one line per configuration
tables = {}
for block in text.split("\n\n"):
    lines = block.strip().splitlines()
    if len(lines) > 2 and lines[1].startswith("configuration  median"):
        tables[lines[0]] = {l.split()[0]: l for l in lines[2:]}
want = {"exec storm": "20 of 20", "storm, watched path": "500 of 500",
        "open+close storm, unwatched path": "0 (want 0)", "excluded path": "0 (want 0)",
        "chmod storm": "0 (want 0)", "read+write storm": "0 (want 0)", "UDP storm": "0 (want 0)",
        "connect+accept": "100 of 100", "mixed:": "486 of 486", "C build": None}
for key, kept in want.items():
    title = [t for t in tables if key in t]
    check(len(title) == 1, f"one table for {key}")
    rows = tables[title[0]] if title else {}
    check(all(c in rows for c in ("none", "floor", "floor+ring", "rand-guard")),
          f"{key}: none, floor, floor+ring and rand-guard measured")
    # the kept note is what follows the last ratio ("1.234x"); the build's
    # compiler runs are not counted, so its note is empty
    row = rows.get("rand-guard", "").rstrip()
    note = row[row.rfind("x") + 1:].strip()
    check("rand-guard" in rows and note == (kept or ""),
          f"{key}: rand-guard kept {kept or 'nothing counted'} ({note!r})")
bpf = text.split("BPF program time per operation", 1)
check(len(bpf) == 2, "a BPF program time table")
rows = {l.split()[0]: l.split()[1:] for l in bpf[1].strip().splitlines()[2:]} if len(bpf) == 2 \
    else {}
for c in ("floor", "floor+ring", "rand-guard"):
    check(c in rows and len(rows[c]) == 10 and float(rows[c][1]) > 0,
          f"BPF time for {c}: all 10 workloads, watched opens > 0 ns")
# the floor has rand-guard's hooks: a read and a write run its programs too,
# on a file and on a socket
check("floor" in rows and len(rows["floor"]) == 10 and float(rows["floor"][5]) > 0 and
      float(rows["floor"][6]) > 0,
      f"BPF time for the floor's read+write and UDP storms > 0 ns ({rows.get('floor')})")
check(re.search(r"^rand-guard +[0-9.]+ s +[0-9.]+ MiB +[0-9]+ bytes per recorded event; "
                r"kernel drops 0, user drops 0$", text, re.M) is not None,
      "rand-guard's CPU, RSS, bytes per event, and no drops")
# without --clock the scheduler's tables have one on-CPU ratio, floor+ring's
part = text.split("where the workload's own time went", 1)
sched = [b for b in (b.strip().splitlines() for b in part[1].split("\n\n")[1:])
         if len(b) > 2 and b[1].startswith("configuration  wall ns/op")] if len(part) == 2 else []
check(len(sched) == 7 and all(
          t[1].split()[-3:] == ["floor+ring", "moves", "preempted"] and
          all(len(l.split()) == 7 and "/" not in l.split()[4] for l in t[2:]) and
          [l.split()[4] for l in t[2:] if l.split()[0] == "floor+ring"] == ["1.000x"]
          for t in sched),
      f"the scheduler's seven tables, one ratio against floor+ring ({[t[:3] for t in sched]})")
PY

# the floor is what attaching rand-guard's programs costs: every hook of
# rand_guard.bpf.o (not the script hooks, script.bpf.c) has its floor program
hooks() {
	llvm-objdump -h "$1" | awk '$2 ~ /^(tracepoint|tp_btf|raw_tp|kprobe|fentry|lsm)\// {print $2}' |
		sort -u
}
rg_hooks=$(hooks "$RG_BUILD_DIR/bpf/rand_guard.bpf.o")
check_re "rand_guard.bpf.o's hooks listed" "$rg_hooks" 'tracepoint/syscalls/sys_exit_openat'
check_eq "the floor has rand-guard's hooks" "$rg_hooks" "$(hooks "$RG_BUILD_DIR/bpf/floor.bpf.o")"
# --loads: one workload alone, with the round-by-round ratios (and
# --clock: floor+clock, and the ratios against it)
python3 "$RG_SOURCE_DIR/scripts/bench" --smoke --no-peers --loads watched --clock \
	--build-dir "$RG_BUILD_DIR" >"$T/one.out" 2>"$T/one.err" || {
	sed 's/^/#   /' "$T/one.err" | tail -20
	fail "scripts/bench --smoke --loads watched --clock failed"
}
python3 - "$T/one.out" <<'PY' || fail "the checks of --loads stopped"
import os, sys
from tap import check
blocks = [b.strip().splitlines() for b in open(sys.argv[1]).read().split("\n\n")]
tables = [b for b in blocks if len(b) > 2 and b[1].startswith("configuration  median")]
check([t[0] for t in tables] == ["open+close storm, watched path (500 per round)"],
      f"--loads watched: its table alone ({[t[0] for t in tables]})")
rows = {l.split()[0]: l.split() for l in tables[0][2:]} if tables else {}
check(tables and "paired: floor" in tables[0][1] and "floor+ring" in tables[0][1],
      "--loads watched: the paired ratios' columns")
check(rows.get("floor+ring", [""] * 8)[7] == "1.000x" and rows.get("floor", [""] * 8)[6] == "1.000x",
      "--loads watched: floor+ring paired with itself 1.000x, floor too")
check(tables and tables[0][1].split()[-6:-4] == ["floor+ring", "floor+clock"] and
      rows.get("floor+clock", [""] * 9)[8] == "1.000x" and
      rows.get("rand-guard", [""] * 9)[8].endswith("x"),
      "--clock: floor+clock measured, a paired column against it, 1.000x with itself")
check(rows.get("rand-guard", [])[-3:] == ["500", "of", "500"],
      f"--loads watched: rand-guard kept 500 of 500 ({rows.get('rand-guard')})")
# the scheduler's account of the storm: on a CPU, waiting, moves, preempted
text = open(sys.argv[1]).read()
part = text.split("where the workload's own time went", 1)
sched = [b for b in (b.strip().splitlines() for b in part[1].split("\n\n")[1:])
         if len(b) > 2 and b[1].startswith("configuration  wall ns/op")] if len(part) == 2 else []
check([t[0] for t in sched] == ["open+close storm, watched path (500 per round)"],
      f"--loads watched: where its time went, one table ({[t[0] for t in sched]})")
srows = {l.split()[0]: l.split()[1:] for l in sched[0][2:]} if sched else {}
# moves and preemptions come from /proc/PID/sched (CONFIG_SCHED_DEBUG), else "-"
debug = os.path.exists("/proc/self/sched")
check(sorted(srows) == ["floor", "floor+clock", "floor+ring", "none", "rand-guard"] and
      all(len(r) == 6 and int(r[1]) > 0 and int(r[2]) >= 0 and
          all(x.isdigit() if debug else x == "-" for x in r[4:]) for r in srows.values()),
      f"--loads watched: each configuration on a CPU > 0 ns, waiting, moves, preempted ({srows})")
# on CPU against floor+ring's, then floor+clock's: each 1.000x against itself
check(srows.get("floor+ring", [""] * 4)[3].split("/")[0] == "1.000x" and
      srows.get("floor+clock", [""] * 4)[3].split("/")[-1] == "1.000x" and
      len(srows.get("rand-guard", [""] * 4)[3].split("/")) == 2,
      f"--clock: on-CPU time against floor+ring's and floor+clock's ({srows})")
PY
# rg-floor --submit --clock: every record it read carried the time of its
# event (CLOCK_BOOTTIME, bpf_ktime_get_boot_ns), none before it started
python3 - "$RG_BUILD_DIR/rg-floor" <<'PY' || fail "the checks of rg-floor --clock stopped"
import os, subprocess, sys, tempfile, time
from tap import check
err = tempfile.NamedTemporaryFile(mode="w")
t0 = time.clock_gettime_ns(time.CLOCK_BOOTTIME)
p = subprocess.Popen([sys.argv[1], "--submit", "--clock"], stderr=err)
try:
    for _ in range(300):
        if "attached" in open(err.name).read() or p.poll() is not None:
            break
        time.sleep(0.1)
    for _ in range(50):
        open(os.devnull).close()
    p.send_signal(2)
    p.wait(timeout=30)
finally:
    p.kill()  # nothing if it stopped
t1 = time.clock_gettime_ns(time.CLOCK_BOOTTIME)
lines = open(err.name).read().strip().splitlines()
last = lines[-1].split() if lines else []
ok = (p.returncode == 0 and len(last) == 10 and last[2:5] == ["records,", "0", "unstamped,"]
      and int(last[1]) >= 50 and t0 < int(last[8]) < t1)
check(ok, f"rg-floor --submit --clock: 50 opens or more read, each stamped, the last "
      f"between {t0} and {t1} ({' '.join(last)})")
PY
if timeout 10 "$RG_BUILD_DIR/rg-floor" --clock 2>"$T/floor.err"; then
	fail "rg-floor --clock without --submit ran"
else
	check_eq "rg-floor --clock needs --submit" "$(cat "$T/floor.err")" \
		"usage: rg-floor [--submit [--clock]]"
fi
# --pin: the storm on the first CPU, the agents on the others
cpus=$(python3 -c 'import os; print(",".join(map(str, sorted(os.sched_getaffinity(0)))))')
if [[ $cpus == *,* ]]; then
	python3 "$RG_SOURCE_DIR/scripts/bench" --smoke --no-peers --pin --loads watched \
		--build-dir "$RG_BUILD_DIR" >"$T/pin.out" 2>"$T/pin.err" &
	bench=$!
	agent_cpus=""
	for _ in $(seq 600); do # the recorder's CPUs while it runs
		pid=$(pgrep -f "^$RG_BUILD_DIR/rand-guard " | head -1 || true)
		[[ $pid ]] && agent_cpus=$(python3 -c "import os; print(sorted(os.sched_getaffinity($pid)))" \
			2>/dev/null) && break
		sleep 0.1
	done
	wait $bench || { sed 's/^/#   /' "$T/pin.err" | tail -20; fail "scripts/bench --pin failed"; }
	check_eq "--pin: the recorder on the CPUs after the first" "$agent_cpus" \
		"$(python3 -c 'import os; print(sorted(os.sched_getaffinity(0))[1:])')"
	python3 - "$T/pin.out" "${cpus%%,*}" <<'PY' || fail "the checks of --pin stopped"
import sys
from tap import check
text = open(sys.argv[1]).read()
check(f"--pin: the workloads on CPU {sys.argv[2]} " in text, "--pin: said in the report")
# the CPUs the storm's process was allowed, as the kernel says at its exit
check(f"\n--pin: the storms ran on CPUs {sys.argv[2]}\n" in text,
      "--pin: the storm's process allowed the first CPU alone")
PY
else
	check_eq "--pin refused on one CPU" \
		"$(python3 "$RG_SOURCE_DIR/scripts/bench" --smoke --pin --build-dir "$RG_BUILD_DIR" 2>&1 | tail -1)" \
		"bench: --pin needs two CPUs or more (this process may use 1)"
fi
if python3 "$RG_SOURCE_DIR/scripts/bench" --smoke --no-peers --loads watched,nosuch \
	--build-dir "$RG_BUILD_DIR" >/dev/null 2>"$T/bad.err"; then
	fail "--loads with an unknown workload ran"
else
	check_eq "--loads: an unknown workload named" \
		"$(tail -1 "$T/bad.err")" \
		"bench: no workload nosuch (--loads: any of exec, watched, unwatched, excluded, chmod, rw, udp, connect, mixed, build)"
fi

check_eq "kernel.bpf_stats_enabled restored to $stats_before" \
	"$(cat /proc/sys/kernel/bpf_stats_enabled)" "$stats_before"
check_eq "audit state as before" "$(audit_state)" "$audit_before"
check_eq "no agent or peer left running" \
	"$(pgrep -af "^$RG_BUILD_DIR/(rand-guard|rg-floor)|auditd -n -c|bpftrace -o|execsnoop|opensnoop" || true)" ""
live_done
