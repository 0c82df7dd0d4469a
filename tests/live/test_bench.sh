#!/usr/bin/env bash
# Live: the benchmark harness itself (scripts/bench --smoke: one round of
# tiny workloads, every configuration that is installed). It measures
# nothing worth reading; it checks that each configuration starts and
# stops, that rand-guard's completeness counts are exact for every
# workload (each exec, watched open, first write, connect and accept of
# the mixed loop; no unwatched or excluded open), that the BPF program
# time table is filled, and that nothing is left running or switched on.
source "$(dirname "$0")/lib.sh"
live_require
command -v ninja >/dev/null || live_skip "needs ninja for the C build workload"
command -v bpftool >/dev/null || live_skip "needs bpftool for the BPF program time"

stats_before=$(cat /proc/sys/kernel/bpf_stats_enabled)
python3 "$RG_SOURCE_DIR/scripts/bench" --smoke --build-dir "$RG_BUILD_DIR" \
	>"$T/bench.out" 2>"$T/bench.err" || {
	sed 's/^/#   /' "$T/bench.err" | tail -20
	fail "scripts/bench --smoke failed"
}
echo "ok - scripts/bench --smoke ran"
sed 's/^/# /' "$T/bench.out"

python3 - "$T/bench.out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def check(ok, what):
    print(f"{'ok' if ok else 'not ok'} - {what}")
    if not ok:
        sys.exit(1)

# each workload's table: its title line, then one line per configuration
tables = {}
for block in text.split("\n\n"):
    lines = block.strip().splitlines()
    if len(lines) > 2 and lines[1].startswith("configuration  median"):
        tables[lines[0]] = {l.split()[0]: l for l in lines[2:]}
want = {"exec storm": "20 of 20", "storm, watched path": "500 of 500",
        "unwatched path": "0 (want 0)", "excluded path": "0 (want 0)",
        "connect+accept": "100 of 100", "mixed:": "486 of 486", "C build": None}
for key, kept in want.items():
    title = [t for t in tables if key in t]
    check(len(title) == 1, f"one table for {key}")
    rows = tables[title[0]]
    check(all(c in rows for c in ("none", "floor", "floor+ring", "rand-guard")),
          f"{key}: none, floor, floor+ring and rand-guard measured")
    if kept is None:  # the build's compiler runs are not counted: the row ends at its ratio
        check(rows["rand-guard"].rstrip().endswith("x"), f"{key}: rand-guard's kept not counted")
    else:
        check(rows["rand-guard"].rstrip().endswith(kept), f"{key}: rand-guard kept {kept}")
bpf = text.split("BPF program time per operation", 1)
check(len(bpf) == 2, "a BPF program time table")
rows = {l.split()[0]: l.split()[1:] for l in bpf[1].strip().splitlines()[2:]}
for c in ("floor", "floor+ring", "rand-guard"):
    check(c in rows and len(rows[c]) == 7 and float(rows[c][1]) > 0,
          f"BPF time for {c}: all 7 workloads, watched opens > 0 ns")
check(re.search(r"^rand-guard +[0-9.]+ s +[0-9.]+ MiB +[0-9]+ bytes per recorded event",
                text, re.M) is not None, "rand-guard's CPU, RSS and bytes per event")
PY
[[ $(cat /proc/sys/kernel/bpf_stats_enabled) == "$stats_before" ]] ||
	fail "kernel.bpf_stats_enabled was not restored"
echo "ok - kernel.bpf_stats_enabled restored to $stats_before"
left=$(pgrep -f "^$RG_BUILD_DIR/(rand-guard|rg-floor)" || true)
[[ -z "$left" ]] || fail "left running: $left"
echo "ok - no agent left running"
