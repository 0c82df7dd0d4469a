#!/usr/bin/env bash
# CLI: the layers stay apart (docs/architecture.md, "Layers"). rgq links
# the store's reading side only: no writer (open, put, close, the writer
# thread, the checkpointer) and no capability code in its symbols. The
# query side compiles without the kernel ABI header: query/ with only the
# core, rules, conf and store folders on the include path, bpf/ out of it.
# The daemon's executable still has what rgq leaves out, so the check can
# tell a layer that moved from one that vanished.
source "$(dirname "$0")/lib.sh"
S=$(cd "$RG_SOURCE_DIR" && pwd)
writer='rg_store_(open|put_|close)|rg_caps_|store_writer|checkpoint'

nm "$RG_BUILD_DIR/rgq" >"$T/rgq.nm" 2>"$T/err"
grep -E "$writer" "$T/rgq.nm" >"$T/err" || true
check "rgq links no store writer or capability code" '! [[ -s $T/err ]]'
nm "$RG_BUILD_DIR/rand-guard" >"$T/rg.nm" 2>"$T/err"
check "rand-guard links the writer and the capability code" \
	'grep -qE "rg_store_open" "$T/rg.nm" && grep -qE "rg_caps_drop" "$T/rg.nm"'

inc=()
for d in core rules conf store; do inc+=(-I "$S/recorder/$d"); done
: >"$T/err"
for f in "$S"/query/*.c; do
	cc -std=gnu11 -fsyntax-only -D_GNU_SOURCE -DRG_VERSION='"test"' "${inc[@]}" \
		-I "$S/query" "$f" 2>>"$T/err" || echo "failed: $f" >>"$T/err"
done
check "query/ compiles without bpf/ (rg_abi.h) on the include path" '! [[ -s $T/err ]]'
cli_done
