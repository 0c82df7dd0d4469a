#!/usr/bin/env bash
# Demo: would a new rule have caught it? Something runs that no shipped
# rule cares about (an account lookup with getent); afterwards a new rule is
# written for it and replayed over the last day of the recording: rgq
# replay answers with the alerts that rule would have raised. The rule
# lives in a temporary directory; the running recorder is not touched.
source "$(dirname "$0")/common.sh"
marker=rg-demo-replay-$$
rules=$(mktemp -d)
trap 'rm -rf "$rules"' EXIT

step "the activity: getent passwd $marker (recorded, no alert)"
getent passwd "$marker" >/dev/null || true
seen "SELECT 1 FROM process_events WHERE event_type = 'process_start' AND cmdline LIKE '%$marker%'"

step "the new rule, written afterwards: $rules/local.rules"
cat >"$rules/local.rules" <<RULES
[rule "LOCAL-GETENT-PASSWD"]
name = account lookup with getent
severity = low
events = process_start
match = comm equals getent
match = argv equals passwd
RULES
cat "$rules/local.rules"

answer replay --rules "$rules" --since 24h
