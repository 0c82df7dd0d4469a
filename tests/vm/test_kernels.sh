#!/usr/bin/env bash
# tests/vm/test_kernels.sh: the kernel matrix. Boots Debian's own kernels
# under qemu with an initramfs holding this build's rand-guard and rgq, and
# runs a real recording in each (tests/vm/guest-init.sh): the recorder
# attaches, an exec from /tmp, a watched file write, a loopback connect, a DNS query
# and the load of one of the kernel's modules are recorded, a shipped rule alerts, the exec carries
# the namespaces /proc/self/ns shows and a cgroup id, the database passes integrity_check;
# on the preemptible kernels and the oldest also the same-CPU contention check. Prints a table: kernel,
# programs loaded, fallbacks used, result.
#
# Kernels are fetched by package name with apt-get download (a meta-package
# names the current build) and cached with their vmlinuz in $RG_VM_CACHE
# (default /var/cache/rand-guard-vm), so a second run fetches nothing.
# KVM when /dev/kvm is usable, plain emulation otherwise (~15-60 s a boot).
#
#   RG_VM_KERNELS="6.1-rt ..."  run only these rows of MATRIX
#   RG_VM_APPEND="rgvm.cpus=0,1" more kernel arguments for every boot
#   RG_VM_ACCEL=tcg|kvm         skip the KVM probe
#   RG_VM_KEEP=1                keep the work directory (initramfs, serial logs)
#   RG_REQUIRE_LIVE=1           a missing prerequisite fails instead of skipping
set -euo pipefail

: "${RG_BUILD_DIR:?set by ctest}"
: "${RG_SOURCE_DIR:?set by ctest}"
CACHE=${RG_VM_CACHE:-/var/cache/rand-guard-vm}

# name | Debian package | kernel arguments | suite | expected. Debian 12's
# stock kernel (cloud build), its PREEMPT_RT build, and the 6.12 kernel it
# ships for newer hardware, booted fully preemptible, come from the host's
# apt sources (suite empty); Debian 11's 5.10 from bullseye and
# bullseye-security through package lists of their own (apt_suite).
# expected: "pass:FALLBACKS": the smoke test passes, with exactly these
# fallbacks (the features the kernel lacks, or "none"). Debian 11's 5.10 also runs the contention check: its programs are the
# _old variants, with their walks over a per-CPU loop state.
MATRIX=(
	"5.10-cloud|linux-image-cloud-amd64|rgvm.contention=1|bullseye|pass:bpf_rdonly_cast,bpf_get_current_task_btf,bpf_task_pt_regs,bpf_loop"
	"6.1-cloud|linux-image-cloud-amd64|||pass:bpf_rdonly_cast"
	"6.1-rt|linux-image-rt-amd64|rgvm.contention=1||pass:bpf_rdonly_cast"
	"6.12-cloud|linux-image-6.12-cloud-amd64|preempt=full rgvm.contention=1||pass:none"
)

skip() {
	if [[ "${RG_REQUIRE_LIVE:-0}" == 1 ]]; then
		echo "not ok - kernel matrix required but cannot run: $1"
		exit 1
	fi
	echo "# SKIP kernel matrix: $1"
	exit 77
}

[[ $(id -u) -eq 0 ]] || skip "needs root (apt-get download into $CACHE)"
for tool in qemu-system-x86_64 apt-get apt-cache dpkg-deb; do
	command -v "$tool" >/dev/null || skip "needs $tool (scripts/deps --test)"
done
BUSYBOX=/bin/busybox # from busybox-static: it runs in the guest without libraries
[[ -x "$BUSYBOX" ]] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || skip "needs busybox-static"

W=$(mktemp -d /tmp/rg-vm.XXXXXX)
cleanup() { if [[ "${RG_VM_KEEP:-0}" == 1 ]]; then echo "# kept $W"; else rm -rf "$W"; fi; }
trap cleanup EXIT
mkdir -p "$CACHE"

# apt_suite SUITE CMD ARGS...: apt-get or apt-cache CMD for the host's
# sources when SUITE is empty; else for SUITE and SUITE-security on the same
# mirror, with package lists of their own in $CACHE/apt-SUITE (the host's
# sources need not name that suite, and its apt state is left as it is).
# "apt_suite SUITE update" fetches those lists.
apt_suite() {
	local suite=$1 tool=apt-get dir
	shift
	[[ $1 == depends ]] && tool=apt-cache
	if [[ -z "$suite" ]]; then
		[[ $1 == update ]] && set -- update -qq
		"$tool" "$@"
		return
	fi
	dir=$CACHE/apt-$suite
	if [[ $1 == update || ! -d "$dir/state/lists" ]]; then
		mkdir -p "$dir/state/lists/partial" "$dir/cache/archives/partial"
		printf 'deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/%s main\n' \
			"debian $suite" "debian-security $suite-security" >"$dir/sources.list"
		apt_suite_opts "$dir" apt-get -qq update >&2 || return 1
		[[ $1 == update ]] && return
	fi
	apt_suite_opts "$dir" "$tool" "$@"
}

apt_suite_opts() { # DIR TOOL ARGS...: TOOL with the lists and sources in DIR
	local dir=$1 tool=$2
	shift 2
	"$tool" -o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State="$dir/state" -o Dir::Cache="$dir/cache" -o Debug::NoLocking=1 \
		-o APT::Sandbox::User=root -o APT::Architectures::=amd64 "$@"
}

# The versioned kernel package a name stands for in suite $2: a
# meta-package's kernel dependency, or the name itself.
resolve() {
	local dep
	dep=$(apt_suite "$2" depends "$1" 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
	echo "${dep:-$1}"
}

# Prints the path of the cached vmlinuz of package $1 of suite $2,
# fetching it once.
fetch_kernel() {
	local pkg=$1 deb
	if [[ ! -s "$CACHE/$pkg.vmlinuz" ]]; then
		deb=$(ls "$CACHE/${pkg}_"*.deb 2>/dev/null | head -1 || true)
		if [[ -z "$deb" ]]; then
			(cd "$CACHE" && apt_suite "$2" download -q "$pkg" >&2) || return 1
			deb=$(ls "$CACHE/${pkg}_"*.deb | head -1)
		fi
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO --wildcards './boot/vmlinuz-*' >"$CACHE/$pkg.vmlinuz.tmp" || return 1
		mv "$CACHE/$pkg.vmlinuz.tmp" "$CACHE/$pkg.vmlinuz"
	fi
	echo "$CACHE/$pkg.vmlinuz"
}

# The initramfs: busybox, the recorder and rgq with their libraries, the
# shipped rules, and guest-init.sh as /init.
build_initramfs() {
	local root=$W/root lib
	mkdir -p "$root"/{bin,usr/bin,lib64,lib/x86_64-linux-gnu,etc/rand-guard,proc,sys,dev,tmp}
	cp "$BUSYBOX" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	cp "$RG_BUILD_DIR/rand-guard" "$RG_BUILD_DIR/rgq" "$RG_BUILD_DIR/rg-bpfbusy" "$root/usr/bin/"
	for lib in $(ldd "$RG_BUILD_DIR/rand-guard" "$RG_BUILD_DIR/rgq" "$RG_BUILD_DIR/rg-bpfbusy" |
		     awk '$3 ~ /^\// { print $3 }' | sort -u); do
		cp -L "$lib" "$root/lib/x86_64-linux-gnu/"
	done
	cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
	cp -r "$RG_SOURCE_DIR/config/rules.d" "$root/etc/rand-guard/"
	install -m 755 "$RG_SOURCE_DIR/tests/vm/guest-init.sh" "$root/init"
	(cd "$root" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null | gzip -1) >"$W/initrd.gz"
}

# The initramfs for kernel package $1: the common one, then a second cpio
# archive (the kernel unpacks each in turn) with a small module of that
# kernel, crc7 (no dependencies), as /lib/modules/crc7.ko[.xz], for the
# guest's module load. Prints its path.
kernel_initramfs() {
	local deb dir=$W/mod-$1
	deb=$(ls "$CACHE/${1}_"*.deb | head -1)
	mkdir -p "$dir/lib/modules"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" --wildcards './lib/modules/*/crc7.ko*' &&
		find "$dir/lib/modules" -name 'crc7.ko*' -exec mv {} "$dir/lib/modules/" \; || true
	{ cat "$W/initrd.gz"; (cd "$dir" && find lib/modules -maxdepth 1 | "$BUSYBOX" cpio -o -H newc 2>/dev/null | gzip -1); } \
		>"$W/initrd-$1.gz"
	echo "$W/initrd-$1.gz"
}

# KVM when it works here (some nested setups hang in it: a short probe
# boot must reach the kernel's first console line), plain emulation otherwise.
ACCEL=${RG_VM_ACCEL:-}
kvm_works() {
	[[ -r /dev/kvm && -w /dev/kvm ]] || return 1
	timeout 20 qemu-system-x86_64 -machine accel=kvm -cpu host -m 256M -nic none \
		-display none -monitor none -no-reboot -serial "file:$W/kvm-probe" \
		-kernel "$1" -append "console=ttyS0 panic=-1 rdinit=/nonexistent" >/dev/null 2>&1
	grep -aq 'Linux version' "$W/kvm-probe" 2>/dev/null
}

# Boots kernel $1 with extra arguments $2; the serial console goes to $3;
# the initramfs is $4.
boot() {
	local cpu=max
	[[ $ACCEL == kvm ]] && cpu=host
	timeout 600 qemu-system-x86_64 -machine accel=$ACCEL -cpu $cpu -m 1G -smp 2 \
		-nic none -display none -monitor none -no-reboot -serial "file:$3" \
		-kernel "$1" -initrd "$4" \
		-append "console=ttyS0 panic=-1 quiet rdinit=/init $2" >/dev/null 2>&1 || true
}

# The missing features a fallback line names: "bpf_rdonly_cast (Linux
# 6.2+) missing: ..., bpf_loop (Linux 5.17+) missing: ..." ->
# "bpf_rdonly_cast,bpf_loop".
fallback_short() {
	sed 's/ (Linux [^)]*) missing: [^,]*//g; s/, /,/g' <<<"$1"
}

# "key=value" or key="value with spaces" from a result line.
field() {
	sed -n "s/.* $1=\"\([^\"]*\)\".*/\1/p; t; s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"
}

# Why result line $2 does not meet expectation $1 (see MATRIX); empty when
# it does.
verdict() {
	if [[ $(field status "$2") != PASS ]]; then
		echo "smoke test failed"
	elif [[ $(fallback_short "$(field fallbacks "$2")") != "${1#pass:}" ]]; then
		echo "expected fallbacks ${1#pass:}"
	fi
}

build_initramfs
rows=() failed=0 n=0
for row in "${MATRIX[@]}"; do
	IFS='|' read -r name meta args suite expect <<<"$row"
	[[ -z "${RG_VM_KERNELS:-}" || " $RG_VM_KERNELS " == *" $name "* ]] || continue
	n=$((n + 1))
	pkg=$(resolve "$meta" "$suite")
	if ! vmlinuz=$(fetch_kernel "$pkg" "$suite"); then # stale package lists: update once, retry
		apt_suite "$suite" update >&2 || true
		pkg=$(resolve "$meta" "$suite")
		vmlinuz=$(fetch_kernel "$pkg" "$suite") || vmlinuz=
	fi
	if [[ -z "$vmlinuz" ]]; then
		echo "not ok $n - $name: could not fetch $pkg"
		failed=1
		continue
	fi
	if [[ -z "$ACCEL" ]]; then
		ACCEL=tcg
		kvm_works "$vmlinuz" && ACCEL=kvm
		echo "# accelerator: $ACCEL; cache: $CACHE"
	fi
	log=$W/$name.serial
	initrd=$(kernel_initramfs "$pkg")
	t0=$(date +%s)
	boot "$vmlinuz" "$args ${RG_VM_APPEND:-}" "$log" "$initrd"
	# A guest kernel that panicked before /init ran never reached
	# rand-guard: under plain emulation, 6.12 has been seen to oops in
	# its own boot-time code patching (int3 in sched_clock_cpu), 1 boot
	# in ~10. It gets one more boot, said here; a second one fails.
	if ! grep -aq '^RGVM step' "$log" && grep -aq 'Kernel panic' "$log"; then
		echo "# $name: the kernel panicked before /init ($(grep -a -m1 -E 'Oops|BUG|Kernel panic' "$log" |
			tr -d '\r' | sed 's/^\[ *[0-9.]*\] //')); booting it again"
		boot "$vmlinuz" "$args ${RG_VM_APPEND:-}" "$log" "$initrd"
	fi
	secs=$(($(date +%s) - t0))
	res=$(tr -d '\r' <"$log" | grep -a '^RGVM result' | tail -1 || true)
	status=$(field status "$res")
	why=$(verdict "$expect" "$res")
	if [[ -z "$why" ]]; then
		echo "ok $n - $name ($pkg${args:+, $args}) in ${secs}s"
	else
		echo "not ok $n - $name ($pkg${args:+, $args}): $why: ${res:-no result line}"
		tr -d '\r' <"$log" | grep -a -v '^RGVM result' | tail -25 | sed 's/^/#   /'
		failed=1
	fi
	tr -d '\r' <"$log" | grep -a -E '^RGVM (check|stderr|insmod)' | sed 's/^/#   /' || true
	rows+=("$(printf '%-27s %-28s %5s  %-6s %-14s %s' "$(field kernel "$res")" \
		"$(field preempt "$res")" "$(field progs "$res")" "${status:-FAIL}" \
		"$(fallback_short "$(field fallbacks "$res")")" "$(field contention "$res")")")
done
((n)) || skip "RG_VM_KERNELS names no row of the matrix"

echo "#"
printf '# %-27s %-28s %5s  %-6s %-14s %s\n' kernel preempt progs result fallbacks contention
for r in "${rows[@]}"; do echo "# $r"; done
echo "# (contention, per round: the CPUs its tasks were pinned to = opens recorded/"
echo "#  expected/records with another task's path; +bpf: another process's bpf(2)"
echo "#  lookups on the same CPU, +runs the kernel skipped and counted (Linux 6.7+))"
echo "1..$n"
exit $failed
