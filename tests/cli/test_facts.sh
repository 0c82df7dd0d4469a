#!/usr/bin/env bash
# CLI: one name per fact. A fact the compiler cannot tie to its one list
# is checked here against that list, so a second statement of it that
# drifts fails a test.
source "$(dirname "$0")/lib.sh"
S=$(cd "$RG_SOURCE_DIR" && pwd)

# The health counters (core/health.h) and the value source of each in the
# daemon's health row (daemon/pipeline.c): the compiler finds a counter
# without a source; this finds a source left for a counter that is gone,
# and a row assembled by hand again.
sed -n 's/^[[:space:]]*X(\([a-z_0-9]*\),.*/\1/p' "$S/recorder/core/health.h" | sort >"$T/counters"
sed -n 's/^#define SRC_\([a-z_0-9]*\)(s).*/\1/p' "$S/recorder/daemon/pipeline.c" | sort >"$T/sources"
check "health.h names counters" '[[ $(wc -l <"$T/counters") -gt 30 ]]'
check "each health counter has one value source, and each source a counter" \
	'diff "$T/counters" "$T/sources" >"$T/err"'
check "no health row is filled field by field in recorder/" \
	'! grep -rnE "\.(events_read|rss_kb|uptime_s)[[:space:]]*=" "$S/recorder" >"$T/err"'

# The event flags: the kernel's (bpf/rg_abi.h, enum rg_flag) and the names
# the recorder and rgq use (core/event.h, RG_EVENT_FLAGS). decode.c asserts
# each named flag is the ABI's bit; this, that none is left unnamed.
sed -n '/^enum rg_flag {/,/^};/s/^[[:space:]]*RG_F_\([A-Z_]*\) =.*/\1/p' \
	"$S/bpf/rg_abi.h" | sort >"$T/kflags"
sed -n 's/^[[:space:]]*X(\([A-Z_]*\), [0-9]*).*/\1/p' "$S/recorder/core/event.h" | sort >"$T/uflags"
check "rg_abi.h names flags" '[[ $(wc -l <"$T/kflags") -gt 5 ]]'
check "every kernel flag is an event flag, and every event flag a kernel one" \
	'diff "$T/kflags" "$T/uflags" >"$T/err"'
check "the event flags are defined once on the recorder's side" \
	'[[ $(grep -rlE "RG_EF_[A-Z_]+ = " "$S/recorder" "$S/query" | wc -l) -eq 0 ]]'
cli_done
