#!/usr/bin/env bash
# Demo: where did this command come from? A command runs two shells deep;
# rgq tree shows the process, every ancestor up to init with their command
# lines, and what it started. Touches nothing.
source "$(dirname "$0")/common.sh"
marker=rg-demo-lineage-$$
out=$(mktemp)
trap 'rm -f "$out"' EXIT

step "a command two shells below this one (marker $marker)"
bash -c "sh -c 'sleep 0.5 & echo \$! >$out; wait # $marker'; :"
pid=$(cat "$out")
seen "SELECT 1 FROM processes WHERE pid = $pid AND exe LIKE '%/sleep' AND exit_ns IS NOT NULL"

answer tree "$pid"
