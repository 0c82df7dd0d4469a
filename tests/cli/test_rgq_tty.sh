# test_rgq_tty.sh: rgq on a real terminal (a tmux pane, 100x30): output
# goes through the pager (less, quit with q), tables are fitted to the
# terminal and coloured; NO_COLOR, --no-pager and RGQ_PAGER are obeyed.
# Skipped without tmux (scripts/deps --test installs it).
source "$(dirname "$0")/lib.sh"
if ! command -v tmux >/dev/null || ! command -v less >/dev/null; then
	echo "1..0 # SKIP tmux or less is not installed (scripts/deps --test)"
	exit 0
fi
RGQ=$RG_BUILD_DIR/rgq
DB=$T/tty.db
"$RG_BUILD_DIR/rg-gen" --db "$DB" --events 3000 --runs 1 \
	--rules "$RG_SOURCE_DIR/config/rules.d" 2>"$T/err" && ok "rg-gen builds the fixture" ||
	nok "rg-gen builds the fixture"
runs=0 SOCK=rgq-tty-$$-0
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT

# run NAME 'ENV...' ARGS: rgq in a fresh 100x30 pane; its exit code is
# printed after it as "rgq-exit N".
run() {
	local env=$1
	shift
	tm kill-server 2>/dev/null || true
	runs=$((runs + 1)) SOCK=rgq-tty-$$-$runs # a server of its own: none is still exiting
	tm new-session -d -x 100 -y 30 \
		"env -u NO_COLOR -u LESS -u PAGER -u RGQ_PAGER -u COLUMNS TERM=xterm-256color $env $RGQ --db $DB $*; echo rgq-exit \$?; sleep 60"
}
# wait_for REGEX: until the pane shows it (5 s at most)
wait_for() {
	for _ in $(seq 50); do
		tm capture-pane -p >"$T/pane" 2>/dev/null && grep -qE -- "$1" "$T/pane" && return 0
		sleep 0.1
	done
	cp "$T/pane" "$T/err"
	return 1
}

run "" events --limit 200
check "a terminal: a long table waits in less" "wait_for '^:' && ! grep -q 'rgq-exit' '$T/pane'"
tm capture-pane -p -e >"$T/pane-e"
check "a terminal: event types in colour" "grep -qE $'\\e\\\\[3[2-5]m(process|file|network)_' '$T/pane-e'"
check "a terminal: rows fitted to its 100 columns (cells cut with ...)" \
	"grep -q '\\.\\.\\.' '$T/pane' && [[ \$(awk '{ print length }' '$T/pane' | sort -n | tail -1) -le 100 ]]"
tm send-keys q
check "q quits the pager, rgq exits 0" "wait_for 'rgq-exit 0'"

run "NO_COLOR=1" --no-pager events --limit 5
check "--no-pager: the rows and the exit, no pager" "wait_for 'rgq-exit 0'"
tm capture-pane -p -e >"$T/pane-e"
check "NO_COLOR: no colour on a terminal" "! grep -qE $'\\e\\\\[3[0-7]m' '$T/pane-e' && grep -q '^seq ' '$T/pane-e'"

run "RGQ_PAGER='tee $T/paged'" alerts --limit 3
check "RGQ_PAGER is the pager" "wait_for 'rgq-exit 0' && grep -q 'severity' '$T/paged'"
run "PAGER=cat" --color never events --limit 3
check "PAGER=cat: no pager; --color never: no colour" \
	"wait_for 'rgq-exit 0' && tm capture-pane -p -e >'$T/pane-e' && ! grep -qE $'\\e\\\\[3[0-7]m' '$T/pane-e'"

cli_done
