#!/usr/bin/env bash
# CLI: scripts/install into a staging root (layout, modes, the config it
# writes, upgrades that keep what an administrator changed, dry run,
# uninstall and purge), the systemd unit through systemd-analyze verify,
# the logrotate file through logrotate's parser, and scripts/package's
# tarball installing the same layout.
source "$(dirname "$0")/lib.sh"
INSTALL=$(cd "$RG_SOURCE_DIR" && pwd)/scripts/install
B=$(cd "$RG_BUILD_DIR" && pwd)
R=$T/root
inst() { "$INSTALL" --no-build --build-dir "$B" --root "$R" "$@"; }
mode() { stat -c '%a' "$R$1"; }

inst >"$T/out" 2>"$T/err" || nok "install into a staging root"
check "programs in /usr/local/bin, 0755" \
	'[[ $(mode /usr/local/bin/rand-guard) == 755 && $(mode /usr/local/bin/rgq) == 755 && $(mode /usr/local/bin/rgq-import) == 755 ]]'
check "the installed rgq runs rgq-import beside it" \
	'"$R/usr/local/bin/rgq" import --help | grep -q "usage: rgq import"'
check "config and rules in /etc/rand-guard, 0644" \
	'[[ $(mode /etc/rand-guard/rand-guard.ini) == 644 && $(ls "$R/etc/rand-guard/rules.d" | wc -l) == $(ls "$RG_SOURCE_DIR"/config/rules.d/*.rules | wc -l) ]]'
check "state and log directories 0700" \
	'[[ $(mode /var/lib/rand-guard) == 700 && $(mode /var/log/rand-guard) == 700 ]]'
check "unit, logrotate file and docs installed" \
	'[[ -f $R/etc/systemd/system/rand-guard.service && -f $R/etc/logrotate.d/rand-guard && -f $R/usr/local/share/doc/rand-guard/quickstart.md ]]'
check "the installed config points at /var/lib and /var/log" \
	'grep -qx "db = /var/lib/rand-guard/rand-guard.db" "$R/etc/rand-guard/rand-guard.ini" && grep -qx "ndjson = /var/log/rand-guard/events.ndjson" "$R/etc/rand-guard/rand-guard.ini"'
check "manual pages rand-guard(8), rgq(1), rand-guard.ini(5), rand-guard-rules(5), and bash completions, 0644" \
	'[[ $(mode /usr/local/share/man/man8/rand-guard.8) == 644 && $(mode /usr/local/share/man/man1/rgq.1) == 644 && $(mode /usr/local/share/man/man5/rand-guard.ini.5) == 644 && $(mode /usr/local/share/man/man5/rand-guard-rules.5) == 644 && $(mode /usr/local/share/bash-completion/completions/rgq) == 644 && $(mode /usr/local/share/bash-completion/completions/rand-guard) == 644 ]]'
WANT="rules: [0-9]+ of [0-9]+ enabled" expect 0 "the installed config and rules pass --check-config" \
	"$R/usr/local/bin/rand-guard" --check-config -c "$R/etc/rand-guard/rand-guard.ini"
check "the unit runs the installed program with the installed config" \
	'grep -qx "ExecStart=/usr/local/bin/rand-guard -c /etc/rand-guard/rand-guard.ini" "$R/etc/systemd/system/rand-guard.service"'
check "the unit is hardened" \
	'for k in "ProtectSystem=strict" "NoNewPrivileges=yes" "PrivateTmp=yes" "StateDirectory=rand-guard" "ExecReload=/bin/kill -HUP \$MAINPID" "CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_SYS_RESOURCE CAP_SYS_PTRACE CAP_DAC_READ_SEARCH"; do grep -qxF "$k" "$R/etc/systemd/system/rand-guard.service" || exit 1; done'

# systemd-analyze verify: the staged unit, pointed at the staged program
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$T/unit"
	sed "s|/usr/local/bin/|$R/usr/local/bin/|g" "$R/etc/systemd/system/rand-guard.service" \
		>"$T/unit/rand-guard.service"
	(cd "$T/unit" && systemd-analyze verify --man=no rand-guard.service) >"$T/err" 2>&1
	check "systemd-analyze verify: the unit is clean (no warning at all)" \
		'[[ ! -s $T/err ]]'
else
	ok "# SKIP systemd-analyze is not installed (scripts/deps --test installs it)"
fi
if command -v logrotate >/dev/null; then
	expect 0 "logrotate parses the shipped snippet" \
		logrotate --debug --state "$T/lr.state" "$R/etc/logrotate.d/rand-guard"
else
	ok "# SKIP logrotate is not installed (scripts/deps --test installs it)"
fi

# upgrades: what was shipped is replaced, what an administrator changed stays
echo "; local change" >>"$R/etc/rand-guard/rand-guard.ini"
echo "; an older shipped version" >"$R/etc/rand-guard/rules.d/20-execution.rules"
sum=$(sha256sum <"$R/etc/rand-guard/rules.d/20-execution.rules" | cut -d' ' -f1)
echo "$sum  /etc/rand-guard/rules.d/20-execution.rules" >>"$R/etc/rand-guard/.shipped"
inst >"$T/out" 2>"$T/err"
check "a changed config is kept, the shipped one written beside it as .dist" \
	'tail -1 "$R/etc/rand-guard/rand-guard.ini" | grep -q "local change" && [[ -f $R/etc/rand-guard/rand-guard.ini.dist ]] && grep -q "kept /etc/rand-guard/rand-guard.ini" "$T/out"'
check "a rule file still as shipped last time is updated" \
	'cmp -s "$RG_SOURCE_DIR/config/rules.d/20-execution.rules" "$R/etc/rand-guard/rules.d/20-execution.rules" && [[ ! -e $R/etc/rand-guard/rules.d/20-execution.rules.dist ]]'

check "a rule file the administrator changed stays, and adopting its .dist is remembered" \
	'echo "; mine" >>"$R/etc/rand-guard/rules.d/30-network.rules" && inst >/dev/null 2>&1 && grep -q "; mine" "$R/etc/rand-guard/rules.d/30-network.rules" && mv "$R/etc/rand-guard/rules.d/30-network.rules.dist" "$R/etc/rand-guard/rules.d/30-network.rules" && inst >"$T/out" 2>&1 && ! grep -q "kept /etc/rand-guard/rules.d/30-network.rules" "$T/out"'
rm "$R/etc/rand-guard/rules.d/40-credentials.rules"
inst >"$T/out" 2>"$T/err"
check "a shipped rule file removed here stays removed" \
	'[[ ! -e $R/etc/rand-guard/rules.d/40-credentials.rules ]] && grep -q "left out /etc/rand-guard/rules.d/40-credentials.rules" "$T/out"'

# dry run: says what it would do, does nothing (not even a build)
inst --dry-run --root "$T/dry" >"$T/out" 2>"$T/err"
check "--dry-run prints the actions and creates nothing" \
	'grep -q "install -D -m 0755 .*rand-guard" "$T/out" && [[ ! -e $T/dry ]]'
snap() { (cd "$R" && find . -printf "%M %s %T@ %p\n" | sort); }
before=$(snap)
"$INSTALL" --dry-run --build-dir "$B" --root "$R" >"$T/out" 2>"$T/err"
check "--dry-run over an install, without --no-build: nothing changes, nothing is built" \
	'[[ $(snap) == "$before" ]] && ! grep -q "scripts/deps\|ninja" "$T/out" "$T/err"'
(cd "$T" && "$INSTALL" --no-build --build-dir "$B" --root rel >/dev/null 2>&1)
check "a relative --root is relative to where the installer runs" '[[ -x $T/rel/usr/local/bin/rgq ]]'
WANT="may hold only" expect 2 "a --prefix with a space is refused" "$INSTALL" --prefix "/opt/my dir"

# uninstall keeps config and data; purge removes them
touch "$R/var/lib/rand-guard/rand-guard.db"
"$INSTALL" --uninstall --root "$R" >"$T/out" 2>"$T/err"
check "--uninstall removes programs, unit, logrotate file, docs, manual pages and completions" \
	'[[ ! -e $R/usr/local/bin/rand-guard && ! -e $R/usr/local/bin/rgq && ! -e $R/usr/local/bin/rgq-import && ! -e $R/etc/systemd/system/rand-guard.service && ! -e $R/etc/logrotate.d/rand-guard && ! -e $R/usr/local/share/doc/rand-guard && ! -e $R/usr/local/share/man/man1/rgq.1 && ! -e $R/usr/local/share/man/man8/rand-guard.8 && ! -e $R/usr/local/share/man/man5/rand-guard.ini.5 && ! -e $R/usr/local/share/man/man5/rand-guard-rules.5 && ! -e $R/usr/local/share/bash-completion/completions/rgq && ! -e $R/usr/local/share/bash-completion/completions/rand-guard ]]'
check "--uninstall keeps the config, rules and the recording" \
	'[[ -f $R/etc/rand-guard/rand-guard.ini && -f $R/var/lib/rand-guard/rand-guard.db ]]'
"$INSTALL" --uninstall --purge --root "$R" >"$T/out" 2>"$T/err"
check "--uninstall --purge removes them too" \
	'[[ ! -e $R/etc/rand-guard && ! -e $R/var/lib/rand-guard && ! -e $R/var/log/rand-guard ]]'
WANT="unknown argument" expect 2 "a bad argument: usage, exit 2" "$INSTALL" --frobnicate
WANT="must be absolute" expect 2 "a relative --prefix is refused" "$INSTALL" --prefix usr

# scripts/package: a tarball whose installer gives the same layout
if [[ -x $RG_SOURCE_DIR/build/rand-guard && $RG_BUILD_DIR -ef $RG_SOURCE_DIR/build ]]; then
	"$RG_SOURCE_DIR/scripts/package" "$T/dist" >"$T/out" 2>"$T/err" || nok "scripts/package"
	tgz=$(ls "$T"/dist/rand-guard-*.tar.gz)
	check "the package's checksum verifies" '(cd "$T/dist" && sha256sum -c --quiet "$(basename "$tgz").sha256")'
	mkdir -p "$T/x"
	tar -C "$T/x" -xzf "$tgz"
	"$T"/x/rand-guard-*/scripts/install --no-build --root "$T/r2" >"$T/out" 2>"$T/err"
	inst --root "$T/r3" >/dev/null 2>&1
	check "the package installs the same layout as the installer" \
		'[[ $(cd "$T/r2" && find . -printf "%M %p\n" | sort) == $(cd "$T/r3" && find . -printf "%M %p\n" | sort) ]]'
else
	ok "# SKIP scripts/package builds build/: only checked with the main build"
fi
cli_done
