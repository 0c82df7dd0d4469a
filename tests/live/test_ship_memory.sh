#!/usr/bin/env bash
# [ship]'s memory is bounded: a recorder with [ship] on drains a backlog
# of rg-gen's 300 000 events (far more JSON than the bound) to an endpoint
# on loopback that takes every INSERT (ship_sink.py), and its peak
# resident size (VmHWM) stays within a bound of the same recorder's with
# nothing to drain. batch_rows is at its maximum, so that only the 16 MiB
# cut of a request's body (MAX_BODY, ship/ship.c) bounds a batch.
source "$(dirname "$0")/lib.sh"
live_require
live_tap

EVENTS=${SHIP_MEM_EVENTS:-300000}
BATCH_ROWS=${SHIP_MEM_BATCH_ROWS:-1000000}
MAX_BODY=$((16 << 20))
TABLES="process_events file_events network_events system_events alerts health processes runs gaps checkpoints"

python3 "$RG_SOURCE_DIR/tests/live/ship_sink.py" "$T/sink.log" "$T/port" &
SINK=$!
trap 'kill "$SINK" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 100); do [[ -s "$T/port" ]] && break; sleep 0.1; done
[[ -s "$T/port" ]] || fail "ship_sink.py did not listen"
touch "$T/sink.log"

mkdir -p "$T/w"
rg_config
rg_watch "$T/w"
cat >>"$T/rg.ini" <<INI
[ship]
enabled = true
url = http://127.0.0.1:$(cat "$T/port")
batch_rows = $BATCH_ROWS
interval_ms = 200
backoff_max_s = 1
INI

sink_rows() { awk '{ n += $2 } END { print n + 0 }' "$T/sink.log"; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$RG_PID/status"; }

# run WANT: starts the recorder on $T/rg.db, waits (3 s at least, 300 s
# at most) until the endpoint has WANT rows more than before, and keeps
# the recorder's VmHWM (kB) in HWM and the milliseconds it took in MS,
# before it stops.
run() {
	local before t0
	before=$(sink_rows)
	rg_start
	t0=$(date +%s%N)
	for _ in $(seq 3000); do
		(($(sink_rows) - before >= $1)) && (($(date +%s%N) - t0 >= 3000000000)) && break
		sleep 0.1
	done
	HWM=$(hwm_kb)
	MS=$((($(date +%s%N) - t0) / 1000000))
	rg_stop
}

# 1. nothing to drain: what the host does while it runs, a few seconds
run 1
BASE=$HWM
check_num "no backlog: the recorder shipped its own rows" "$(sink_rows)" ">" 0
echo "# no backlog: VmHWM $BASE kB"

# 2. a backlog: rg-gen's events written the way the recorder writes them
rm -f "$T"/rg.db*
"$RG_BUILD_DIR/rg-gen" --db "$T/rg.db" --events "$EVENTS" >"$T/gen.out" 2>&1 || fail "rg-gen: $(cat "$T/gen.out")"
WANT=0
for t in $TABLES; do WANT=$((WANT + $(sql "SELECT count(*) FROM $t"))); done
: >"$T/sink.log"
run "$WANT"
GOT=$(sink_rows)
BYTES=$(awk '{ n += $3 } END { print n + 0 }' "$T/sink.log")
BIGGEST=$(awk '$3 > m { m = $3 } END { print m + 0 }' "$T/sink.log")
ROW=$(awk '$4 > m { m = $4 } END { print m + 0 }' "$T/sink.log") # the longest row sent
echo "# backlog: $WANT rows, $GOT received, $((BYTES >> 20)) MiB of JSON in $(wc -l <"$T/sink.log") requests (the biggest $BIGGEST bytes, the longest row $ROW), $MS ms; VmHWM $HWM kB"
check_num "the backlog drained: the endpoint has every row of it" "$GOT" ">=" "$WANT"
check_num "no request's body passed 16 MiB and a row" "$BIGGEST" "<=" "$((MAX_BODY + ROW))"
check_num "... and the 16 MiB cut is what ended the big batches (batch_rows $BATCH_ROWS)" \
	"$BIGGEST" ">=" "$((MAX_BODY * (BATCH_ROWS >= 100000)))"

# The bound. The shipper holds one request's body: at most MAX_BODY and
# the row that passed it, written into a buffer reserved once (only the
# pages written are resident; ship.c's BODY_RESERVE). Its read-only SQLite
# connection caches at most SQLite's default 2000 KiB of pages, and the
# writer's connection its own 2000 KiB, which a large database fills and
# an empty one does not; libcurl has a few buffers of 16 KiB. Past the
# body: 4000 KiB, and 8 MiB for what differs between two runs of the
# recorder anyway (the host's processes at its start, the rows of its
# own run). A buffer that grew by doubling, as the body's did before it
# was reserved, held the old copy and the new at once: about 36 MiB over
# the run with no backlog here, past this bound.
BOUND=$((BASE + ((MAX_BODY + ROW) >> 10) + 4000 + 8192))
check_num "VmHWM draining the backlog ($HWM kB) is within the bound from MAX_BODY (no backlog: $BASE kB)" \
	"$HWM" "<=" "$BOUND"
check_num "the backlog is bigger than the bound allows: a shipper that held it would fail" \
	"$((BYTES >> 10))" ">" "$((BOUND - BASE))"
live_done
