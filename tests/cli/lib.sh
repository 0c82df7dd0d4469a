# tests/cli/lib.sh: shared by the CLI tests (TAP output). Sourced, not run.
#
#   ok "what" / nok "what"     a passing / failing check (nok shows $T/err)
#   check "what" 'SHELL TEST'  ok when the test (eval'd) succeeds
#   check_eq "what" GOT WANT   GOT == WANT; else prints both
#   check_re "what" GOT REGEX  GOT matches the extended REGEX; else prints both
#   expect CODE "what" CMD...  CMD's exit code, and with $WANT an output pattern
#   cli_done                   prints the plan; fails if any check failed
set -euo pipefail
: "${RG_BUILD_DIR:?set by ctest}" "${RG_SOURCE_DIR:?set by ctest}"
T=$(mktemp -d /tmp/rg-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; sed 's/^/#   /' "$T/err" 2>/dev/null | head -60; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }
check_eq() {
	if [[ "$2" == "$3" ]]; then ok "$1"; else
		printf 'got:  %s\nwant: %s\n' "$2" "$3" >"$T/err"
		nok "$1"
	fi
}
check_re() {
	if [[ "$2" =~ $3 ]]; then ok "$1"; else
		printf 'got:  %s\nwant: /%s/\n' "$2" "$3" >"$T/err"
		nok "$1"
	fi
}

expect() {
	local code=$1 what=$2 rc=0
	shift 2
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	if [[ $rc -ne $code ]]; then
		nok "$what (exit $rc, want $code)"
	elif [[ -n "${WANT:-}" ]] && ! grep -qE -- "$WANT" "$T/err" "$T/out"; then
		nok "$what (output lacks /$WANT/)"
	else
		ok "$what"
	fi
}

cli_done() {
	echo "1..$n"
	if ((failed)); then
		echo "# $failed of $n checks failed"
		return 1
	fi
}
