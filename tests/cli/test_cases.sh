#!/usr/bin/env bash
# test_cases.sh: the rule and sequence cases of tests/cases/rules/ (see
# tests/lib/cases.h) through `rgq replay`: rg-case records each case's
# events, replay runs the case's rules over the recording, and its alerts
# must be the case's expected.alerts, the same file tests/unit/test_cases.c
# checks the rule engine against (a case's sigma/ rules through --sigma). A
# malformed case fails with file:line.
. "$(dirname "$0")/lib.sh"
CASE=$RG_BUILD_DIR/rg-case
RGQ=$RG_BUILD_DIR/rgq

# replay's alerts as expected.alerts lines: SEQ RULE_ID STEPS SUMMARY
replay_lines() {
	local sigma=()
	[[ -d $3/sigma ]] && sigma=(--sigma "$3/sigma")
	"$RGQ" --db "$1" --format json replay --rules "$2" "${sigma[@]}" --quiet |
		jq -r '"\(.event_seq) \(.rule_id) \(.steps // "-") \(.summary)"'
}

ncases=0
for dir in "$RG_SOURCE_DIR"/tests/cases/rules/*/; do
	name=$(basename "$dir")
	rules=$dir
	[[ -e $dir/rules.d ]] && rules=$dir/rules.d
	ncases=$((ncases + 1))
	if ! "$CASE" --db "$T/$name.db" "$dir" 2>"$T/err"; then
		nok "case $name: recorded"
		continue
	fi
	grep -v -e '^#' -e '^[[:space:]]*$' "$dir/expected.alerts" >"$T/want" || true
	replay_lines "$T/$name.db" "$rules" "$dir" >"$T/got" 2>"$T/err" || echo "(rgq failed)" >>"$T/got"
	check_eq "case $name: replay raises the expected alerts" "$(cat "$T/got")" "$(cat "$T/want")"
done
check "there are rule cases" '((ncases > 0))'

bad=$RG_SOURCE_DIR/tests/cases/bad/no-such-field
WANT="no-such-field/events.ndjson:1: \"paht\": no such field" \
	expect 2 "a malformed case fails with file:line" "$CASE" --db "$T/bad.db" "$bad"
check "and records nothing" '[[ ! -e $T/bad.db ]]'
cli_done
