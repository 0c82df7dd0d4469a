# test_man_completion.sh: the manual pages rand-guard(8) and rgq(1) format
# without a warning and name every command and option the programs' --help
# gives; the bash completions complete commands, options and values from
# the built programs.
source "$(dirname "$0")/lib.sh"
MAN=$RG_SOURCE_DIR/docs/man
if command -v groff >/dev/null; then
	for p in rgq.1 rand-guard.8; do
		LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$MAN/$p" >"$T/err" 2>&1
		check "$p formats without a warning (groff -ww)" "[[ ! -s '$T/err' ]]"
	done
else
	ok "# SKIP groff is not installed"
fi
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
check_eq "rgq: --db completes file names" "$(comp rgq --db "$T/dir/re")" "$T/dir/rec.db"
check_eq "rand-guard: options from its --help" "$(comp rand-guard --check)" "--check-config"
check_eq "rand-guard: --rules completes directories" "$(comp rand-guard --rules "$T/di")" "$T/dir"
cli_done
