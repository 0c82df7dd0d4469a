#!/usr/bin/env bash
# CLI: the BPF programs build from the vmlinux.h pinned in bpf/vmlinux/ARCH
# without the running kernel's BTF: configure and build the skeletons in a
# private mount namespace where /sys/kernel/btf is an empty tmpfs, as on a
# packaging host without it. There, -DRG_VMLINUX_H=running fails (so the
# BTF is really out of reach), -DRG_VMLINUX_H=FILE builds from FILE, and
# each pinned header builds the programs for its architecture.
source "$(dirname "$0")/lib.sh"
S=$(cd "$RG_SOURCE_DIR" && pwd)
case $(uname -m) in
x86_64) arch=x86 ;;
aarch64) arch=arm64 ;;
esac

# nobtf DIR CMAKE_ARGS...: configures DIR and builds the BPF skeletons with
# /sys/kernel/btf hidden; the output in $T/err.
nobtf() {
	local dir=$1
	shift
	unshare -m bash -c 'mount -t tmpfs none /sys/kernel/btf || exit
		s=$1 d=$2; shift 2
		cmake -G Ninja -S "$s" -B "$d" "$@" && ninja -C "$d" bpf_skel floor_skel' \
		bash "$S" "$dir" "$@" >"$T/err" 2>&1
}

if [[ $(id -u) -ne 0 ]]; then
	ok "# SKIP hiding /sys/kernel/btf needs root (a private mount namespace)"
	cli_done
	exit
fi

check "the default build does not need /sys/kernel/btf" 'nobtf "$T/pinned"'
check "it uses the pinned bpf/vmlinux/$arch/vmlinux.h" \
	'cmp -s "$S/bpf/vmlinux/$arch/vmlinux.h" "$T/pinned/bpf/vmlinux.h"'
check "the skeleton is generated" '[[ -s $T/pinned/bpf/rand_guard.skel.h ]]'
check "-DRG_VMLINUX_H=running reads /sys/kernel/btf (fails where it is hidden)" \
	'! nobtf "$T/running" -DRG_VMLINUX_H=running && grep -q "failed to load BTF from /sys/kernel/btf/vmlinux" "$T/err"'

{ echo "/* rg-test: a vmlinux.h given by file */"; cat "$S/bpf/vmlinux/$arch/vmlinux.h"; } >"$T/vmlinux.h"
check "-DRG_VMLINUX_H=FILE builds from FILE" \
	'nobtf "$T/file" -DRG_VMLINUX_H="$T/vmlinux.h" && cmp -s "$T/vmlinux.h" "$T/file/bpf/vmlinux.h"'
touch "$T/vmlinux.h"
check "a changed FILE rebuilds the programs" \
	'nobtf "$T/file" -DRG_VMLINUX_H="$T/vmlinux.h" && grep -q "Compiling rand_guard.bpf.o" "$T/err"'
check "-DRG_VMLINUX_H=FILE that is missing fails at configure" \
	'! cmake -G Ninja -S "$S" -B "$T/missing" -DRG_VMLINUX_H="$T/none.h" >"$T/err" 2>&1 && grep -q "no vmlinux.h at" "$T/err"'

# Every pinned header builds the programs for its architecture (the flags
# as in CMakeLists.txt), whichever this host is.
for h in "$S"/bpf/vmlinux/*/vmlinux.h; do
	a=$(basename "$(dirname "$h")")
	check "bpf/vmlinux/$a/vmlinux.h builds the programs for $a" \
		'clang -g -O2 -target bpf -D__TARGET_ARCH_$a -Wall -Werror -Wno-unused-function \
			-I"$S/bpf/vmlinux/$a" -I"$S/bpf" -c "$S/bpf/rand_guard.bpf.c" -o "$T/$a.bpf.o" 2>"$T/err"'
done
cli_done
