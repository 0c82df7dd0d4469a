# test_man_completion.sh: the manual pages rand-guard(8), rgq(1),
# rand-guard.ini(5) and rand-guard-rules(5) format without a warning; the
# first two name every command and option the programs' --help gives, the
# format pages exactly the config keys and rule keys the code takes, and
# their examples load; the bash completions complete commands, options and
# values from the built programs.
source "$(dirname "$0")/lib.sh"
MAN=$RG_SOURCE_DIR/docs/man
if command -v groff >/dev/null; then
	for p in rgq.1 rand-guard.8 rand-guard.ini.5 rand-guard-rules.5; do
		LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$MAN/$p" >"$T/err" 2>&1
		check "$p formats without a warning (groff -ww)" "[[ ! -s '$T/err' ]]"
	done
else
	ok "# SKIP groff is not installed"
fi
if command -v man >/dev/null; then
	for p in rand-guard.ini.5 rand-guard-rules.5; do
		MANWIDTH=80 man --warnings -l "$MAN/$p" 2>"$T/err" >"$T/out" || echo "man: exit $?" >>"$T/err"
		check "man -l $p renders, without a warning" "[[ ! -s '$T/err' ]] && grep -q '^NAME' '$T/out'"
	done
else
	ok "# SKIP man is not installed"
fi

# rand-guard.ini(5): exactly the keys of rg_config_keys, each in its section
# (.SH [section], then .TP and '.BR key " (type...' per key)
sed -nE 's/^\s*(STR|INT|BOOL|LIST)_KEY\("([a-z]+)", ([a-z_0-9]+),.*/\2 \3/p; s/^\s*\{"([a-z]+)", "([a-z_0-9]+)",.*/\1 \2/p' \
	"$RG_SOURCE_DIR/recorder/conf/config.c" | sort >"$T/want"
awk '/^\.SH \[/ { sec = substr($2, 2, length($2) - 2) } /^\.SH [^[]/ { sec = "" }
	sec != "" && prev == ".TP" && /^\.BR [a-z_0-9]+ " \(/ { print sec, $2 } { prev = $0 }' \
	"$MAN/rand-guard.ini.5" | sort >"$T/got"
diff "$T/want" "$T/got" >"$T/err" || true
check "rand-guard.ini(5) names every config key, in its section, and no other ($(wc -l <"$T/want") keys)" \
	"[[ \$(wc -l <'$T/want') -gt 40 && ! -s '$T/err' ]]"
# rand-guard-rules(5): the keys the rule parser lists when it meets an unknown one
printf '[rules]\ndir = r\n' >"$T/c.ini"
mkdir -p "$T/r"
printf '[rule "X"]\nnosuchkey = 1\n' >"$T/r/x.rules"
{ "$RG_BUILD_DIR/rand-guard" --check-config -c "$T/c.ini" --db "$T/x.db" --ndjson - 2>&1 || true; } |
	sed -n "s/.*unknown key 'nosuchkey' (\(.*\)).*/\1/p" | tr -c 'a-z_\n' ' ' | tr ' ' '\n' | grep -vx 'sequences' | sed '/^$/d' | sort -u >"$T/want"
awk '/^\.SH (KEYS|SEQUENCES)/ { on = 1; next } /^\.SH/ { on = 0 } on && prev == ".TP" && /^\.B [a-z]+$/ { print $2 } { prev = $0 }' \
	"$MAN/rand-guard-rules.5" | sort -u >"$T/got"
diff "$T/want" "$T/got" >"$T/err" || true
check "rand-guard-rules(5) describes every rule key the parser takes, and no other ($(wc -l <"$T/want") keys)" \
	"[[ \$(wc -l <'$T/want') -ge 14 && ! -s '$T/err' ]]"
sed -n '/^\.SH EXAMPLES/,/^\.EE/p' "$MAN/rand-guard-rules.5" | sed '1,2d;$d' | sed 's/\\-/-/g' >"$T/r/x.rules"
"$RG_BUILD_DIR/rand-guard" --check-config -c "$T/c.ini" --db "$T/x.db" --ndjson - >"$T/out" 2>"$T/err" || true
check "rand-guard-rules(5): its examples load (3 rules)" "grep -q 'rules: 3 of 3 enabled' '$T/out' '$T/err'"
sed -n '/^\.SH EXAMPLE$/,/^\.EE/p' "$MAN/rand-guard.ini.5" | sed '1,2d;$d' | sed 's/\\-/-/g' >"$T/ex.ini"
printf '[rules]\nallow_none = true\n' >>"$T/ex.ini"
"$RG_BUILD_DIR/rand-guard" --check-config -c "$T/ex.ini" --db "$T/x.db" --ndjson - >"$T/out" 2>"$T/err" || true
check "rand-guard.ini(5): its example is a valid configuration" "grep -q 'configuration OK' '$T/out' '$T/err' && grep -q network '$T/ex.ini'"

# every option of --help in the page (as roff writes it: \- for -)
opts_in() { grep -o -- '--[a-z][a-z-]*' | sort -u; }
missing=""
for o in $("$RG_BUILD_DIR/rgq" --help | opts_in); do
	grep -qF -- "${o//-/\\-}" "$MAN/rgq.1" || missing+=" $o"
done
for c in $("$RG_BUILD_DIR/rgq" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]\+\) .*/\1/p'); do
	grep -qE "^\\.(B|TP)? ?\\.?B? ?$c( |$)|^\\.B $c" "$MAN/rgq.1" || missing+=" $c"
	for o in $("$RG_BUILD_DIR/rgq" "$c" --help | opts_in); do
		grep -qF -- "${o//-/\\-}" "$MAN/rgq.1" || missing+=" $c:$o"
	done
done
echo "missing from rgq.1:$missing" >"$T/err"
check "rgq(1) names every command and option of rgq --help" "[[ -z '$missing' ]]"
missing=""
for o in $("$RG_BUILD_DIR/rand-guard" --help | opts_in); do
	grep -qF -- "${o//-/\\-}" "$MAN/rand-guard.8" || missing+=" $o"
done
echo "missing from rand-guard.8:$missing" >"$T/err"
check "rand-guard(8) names every option of rand-guard --help" "[[ -z '$missing' ]]"

# completion: COMP_WORDS as bash would set them, the function's COMPREPLY
PATH=$RG_BUILD_DIR:$PATH
source "$RG_SOURCE_DIR/config/completion/rgq"
source "$RG_SOURCE_DIR/config/completion/rand-guard"
comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	$(complete -p "$1" | awk '{ print $3 }')
	echo "${COMPREPLY[*]}"
}
check_eq "rgq: a command" "$(comp rgq ti)" "timeline"
check_eq "rgq: commands that share a start" "$(comp rgq re)" "replay report"
check_eq "rgq: an option of the command" "$(comp rgq --db x.db events --cmd)" "--cmdline"
check_eq "rgq: a global option after the command" "$(comp rgq alerts --no-p)" "--no-pager"
check_eq "rgq: --format values" "$(comp rgq --format c)" "csv"
check_eq "rgq: --color values" "$(comp rgq events --color a)" "auto always"
check_eq "rgq: event types after a comma" "$(comp rgq events --type process,file_ch)" "process,file_chmod process,file_chown"
check_eq "rgq: severities" "$(comp rgq alerts --severity c)" "critical"
check_eq "rgq: --user is an option of events and alerts" "$(comp rgq events --us) $(comp rgq alerts --us)" "--user --user"
mkdir -p "$T/dir" && touch "$T/dir/rec.db"
check_eq "rgq: --user and --container take a name, not a file" \
	"$(comp rgq events --user "$T/di")|$(comp rgq tree --container "$T/di")" "|"
"$RG_BUILD_DIR/rg-gen" --db "$T/c.db" --events 2000 --pid-max 1500 2>/dev/null
check_eq "rgq: --user completes the names the recording named with --db holds" \
	"$(comp rgq --db "$T/c.db" events --user al)|$(comp rgq alerts --db "$T/c.db" --user w)" "alice|www-data"
CIDS=$(sqlite3 "$T/c.db" "SELECT DISTINCT container_id FROM processes WHERE container_id LIKE '5e%'")
check_eq "rgq: --container completes its containers (the fixture has one)" \
	"$(comp rgq --db "$T/c.db" timeline --container 5e)" "${CIDS:-none in the fixture}"
check_eq "rgq: --db completes file names" "$(comp rgq --db "$T/dir/re")" "$T/dir/rec.db"
check_eq "rand-guard: options from its --help" "$(comp rand-guard --check)" "--check-config"
check_eq "rand-guard: --rules completes directories" "$(comp rand-guard --rules "$T/di")" "$T/dir"
cli_done
