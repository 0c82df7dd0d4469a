# test_recorder_cli.sh: the recorder's command line and configuration
# errors, without loading BPF (no root needed, except the last check,
# which needs root to drop to an unprivileged user).
source "$(dirname "$0")/lib.sh"
RG=$RG_BUILD_DIR/rand-guard

WANT="configuration OK" expect 0 "shipped config passes --check-config" \
	"$RG" --check-config -c "$RG_SOURCE_DIR/config/rand-guard.ini"
# The kernel line: on a kernel with BTF, what it lacks or the fallbacks it
# needs (none on 6.2 and newer); the VM matrix sees the 6.1 fallback.
WANT="^kernel: (supported; fallbacks: |lacks |this kernel has no BTF)" expect 0 \
	"--check-config says what this kernel needs" \
	"$RG" --check-config -c "$RG_SOURCE_DIR/config/rand-guard.ini"
WANT="usage: rand-guard" expect 0 "--help prints usage" "$RG" --help
WANT="^rand-guard [0-9]" expect 0 "--version" "$RG" --version

printf '[store]\nbatch_rows = 10\n[store]\nbogus = 1\n' >"$T/bad-key.ini"
WANT="bad-key.ini:4: " expect 2 "unknown key: file:line and exit 2" \
	"$RG" --check-config -c "$T/bad-key.ini"
printf '[recorder]\nhealth_interval_s = 0\n' >"$T/bad-value.ini"
WANT="bad-value.ini:2: .*health_interval_s" expect 2 "out-of-range value names the key" \
	"$RG" --check-config -c "$T/bad-value.ini"
printf '[nope]\n' >"$T/bad-section.ini"
WANT="bad-section.ini:1: " expect 2 "unknown section" "$RG" --check-config -c "$T/bad-section.ini"
WANT="no-such.ini" expect 2 "missing config file" "$RG" --check-config -c "$T/no-such.ini"
WANT="--duration" expect 2 "bad --duration" "$RG" --duration 1x --check-config

# rules: the shipped set, a broken file, a missing directory, the config's own sections
WANT="rules: 33 of 33 enabled, digest [0-9a-f]{64}" expect 0 "the shipped rules load with the shipped config" \
	"$RG" --check-config -c "$RG_SOURCE_DIR/config/rand-guard.ini"
mkdir -p "$T/rules.d"
printf '[rule "R-1"]\nname = r\nseverity = low\nmatch = path prefix /etc\n' >"$T/rules.d/a.rules"
printf '[rule "R-2"]\nname = r\nseverity = low\nmatch = pid gt many\n' >"$T/rules.d/b.rules"
WANT="^$T/rules.d/b.rules:4: rule \"R-2\": 'many' is not a number" expect 2 \
	"a bad rule value: exit 2 with file:line and the rule" "$RG" --check-config --rules "$T/rules.d"
WANT="$T/none: cannot read the rules directory" expect 2 "a missing --rules directory" \
	"$RG" --check-config --rules "$T/none"
mkdir -p "$T/cfg"
printf '[store]\ndb = x.db\n[rule "IN-CONFIG"]\nname = in the config\nseverity = high\nmatch = path prefix /etc\n' >"$T/cfg/with-rule.ini"
WANT="rules: 1 of 1 enabled" expect 0 "[rule] sections of the config file load" \
	"$RG" --check-config -c "$T/cfg/with-rule.ini"
WANT="no rules directory $T/cfg/rules.d" expect 0 "a missing default rules directory is a notice" \
	"$RG" --check-config -c "$T/cfg/with-rule.ini"
printf '[store]\ndb = x.db\n[rules]\ndir = rules.d\n' >"$T/cfg/explicit.ini"
WANT="$T/cfg/rules.d: cannot read the rules directory" expect 2 \
	"a rules directory the config names must exist" "$RG" --check-config -c "$T/cfg/explicit.ini"
# no detection rules: an error for --check-config unless allow_none says so,
# a warning at start (before the bad database below stops it)
printf '[store]\ndb = x.db\n' >"$T/cfg/no-rules.ini"
WANT="configuration has no enabled rules \(no rules directory $T/cfg/rules.d: no rules from it\); set \[rules\] allow_none = true" \
	expect 2 "no rules at all: --check-config fails, saying why" "$RG" --check-config -c "$T/cfg/no-rules.ini"
printf '[store]\ndb = x.db\n[rule "OFF"]\nname = off\nseverity = low\nenabled = false\nmatch = path prefix /etc\n' >"$T/cfg/all-off.ini"
WANT="configuration has no enabled rules \(1 loaded, none enabled\)" expect 2 \
	"rules loaded but none enabled: --check-config fails" "$RG" --check-config -c "$T/cfg/all-off.ini"
printf '[store]\ndb = x.db\n[rules]\nallow_none = true\n' >"$T/cfg/allow-none.ini"
WANT="rules: 0 of 0 enabled" expect 0 "[rules] allow_none = true: no rules is accepted" \
	"$RG" --check-config -c "$T/cfg/allow-none.ini"
check "and still said on stderr" "grep -q 'no detection rules enabled' '$T/err'"
printf 'not sqlite at all, just text that is long enough to matter\n' >"$T/cfg/text.db"
WANT="WARNING: no detection rules enabled \(no rules directory" expect 1 \
	"no rules at start: a WARNING line on stderr" "$RG" -c "$T/cfg/no-rules.ini" --db "$T/cfg/text.db" --ndjson ''
rm "$T/rules.d/b.rules"
printf '[rule "R-1"]\nname = r\nseverity = low\nmatch = path prefix /x\n' >"$T/dup.ini"
WANT="dup.ini:1: rule \"R-1\": duplicate id \(first defined at $T/rules.d/a.rules:1\)" expect 2 \
	"a rule id defined twice" "$RG" --check-config -c "$T/dup.ini" --rules "$T/rules.d"
WANT="unexpected argument" expect 2 "stray argument" "$RG" extra
WANT="usage" expect 2 "unknown option" "$RG" --no-such-option

# Not a rand-guard database: refused before anything is loaded.
printf 'not sqlite at all, just text that is long enough to matter\n' >"$T/text.db"
WANT="text.db" expect 1 "refuses a file that is not a database (exit 1)" \
	"$RG" -c "$RG_SOURCE_DIR/config/rand-guard.ini" --db "$T/text.db" --ndjson ''

# Outputs another user could read, change or swap are refused before
# anything is written (exit 2, one line), in the manner of sshd's
# StrictModes; the refused files are left as they were.
# (--duration bounds a build that wrongly accepts them: it would record)
RGO=("$RG" -c "$RG_SOURCE_DIR/config/rand-guard.ini" --duration 1)
refused() { # WANT what CMD...: exit 2 with one line matching WANT
	local what=$1
	shift
	expect 2 "$what" "$@"
	lines=$(wc -l <"$T/err")
	[[ $lines -eq 1 ]] || nok "$what: the reason is one line ($lines)"
}
mkdir -m 0777 "$T/open"
WANT="$T/open: others can write the directory \(mode 0777, no sticky bit\)" refused \
	"a directory others can write without the sticky bit" "${RGO[@]}" --db "$T/open/x.db" --ndjson ''
WANT="$T/open: others can write" refused "the same when the database's directory is to be made there" \
	"${RGO[@]}" --db "$T/open/var/x.db" --ndjson ''
check "nothing was created in it" '[[ -z $(ls -A "$T/open") ]]'
WANT="$T/open: others can write" refused "the same for NDJSON" \
	"${RGO[@]}" --db "$T/x.db" --ndjson "$T/open/x.ndjson"
check "and the database was not created" '[[ ! -e "$T/x.db" ]]'
mkdir -m 0700 "$T/o"
install -m 0666 /dev/null "$T/o/rw.db"
WANT="rw.db: writable by group or others \(mode 0666\)" refused "a database others can write" \
	"${RGO[@]}" --db "$T/o/rw.db" --ndjson ''
check "it stays empty, with no -wal" '[[ ! -s "$T/o/rw.db" && ! -e "$T/o/rw.db-wal" ]]'
ln -s /etc/hostname "$T/o/link.ndjson"
WANT="link.ndjson: a symlink: refusing to follow it" refused "an NDJSON symlink" \
	"${RGO[@]}" --db "$T/o/l.db" --ndjson "$T/o/link.ndjson"
echo keep >"$T/o/target"
chmod 0600 "$T/o/target"
ln -s "$T/o/target" "$T/o/w.db-wal"
WANT="w.db-wal: a symlink: refusing to follow it \(remove it to start\)" refused \
	"a planted -wal symlink blocks the start, and says so" "${RGO[@]}" --db "$T/o/w.db" --ndjson ''
check "the symlink's target is untouched" '[[ $(cat "$T/o/target") == keep ]]'
ln -s "$T/o/target" "$T/o/s.db-shm"
WANT="s.db-shm: a symlink" refused "a planted -shm symlink" "${RGO[@]}" --db "$T/o/s.db" --ndjson ''
ln "$T/o/target" "$T/o/hard.db"
WANT="hard.db: has 2 hard links" refused "a database with a second name" \
	"${RGO[@]}" --db "$T/o/hard.db" --ndjson ''
if [[ $(id -u) -eq 0 ]]; then
	install -m 0600 -o nobody /dev/null "$T/o/theirs.db"
	WANT="theirs.db: owned by uid 65534, not by uid 0 that records" refused \
		"a database another user created" "${RGO[@]}" --db "$T/o/theirs.db" --ndjson ''
	install -m 0600 -o nobody /dev/null "$T/o/theirs.ndjson"
	WANT="theirs.ndjson: owned by uid 65534" refused "an NDJSON file another user created" \
		"${RGO[@]}" --db "$T/o/n.db" --ndjson "$T/o/theirs.ndjson"
	install -m 0600 -o nobody /dev/null "$T/o/t.db-shm"
	WANT="t.db-shm: owned by uid 65534" refused "a -shm another user created" \
		"${RGO[@]}" --db "$T/o/t.db" --ndjson ''
	mkdir -m 0755 "$T/o/theirs"
	chown nobody "$T/o/theirs"
	WANT="$T/o/theirs: the directory is owned by uid 65534" refused \
		"a directory another user owns" "${RGO[@]}" --db "$T/o/theirs/x.db" --ndjson ''
	ln -s "$T/o" "$T/o/via"
	chown -h nobody "$T/o/via"
	WANT="$T/o/via: a symlink owned by uid 65534: refusing to follow it" refused \
		"a directory reached through another user's symlink" \
		"${RGO[@]}" --db "$T/o/via/v.db" --ndjson ''
	check "nothing was created through it" '[[ ! -e "$T/o/v.db" ]]'
else
	n=$((n + 1)); echo "ok $n # SKIP files of another user need root (to chown them)"
fi

if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null; then
	chmod 1777 "$T"
	WANT="needs root" expect 3 "unprivileged: one-line reason, exit 3" \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$RG" -c "$RG_SOURCE_DIR/config/rand-guard.ini" --db "$T/u.db" --ndjson ''
	lines=$(wc -l <"$T/err")
	[[ $lines -eq 1 ]] && ok "the reason is one line" || nok "the reason is one line ($lines)"
else
	n=$((n + 1)); echo "ok $n # SKIP exit 3 check needs root (to drop privileges)"
fi
cli_done
