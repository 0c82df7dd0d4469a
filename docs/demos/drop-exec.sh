#!/usr/bin/env bash
# Demo: was something dropped and run? A program is copied to /dev/shm and
# executed: the sequence rule SEQ-DROP-EXEC-001 joins the write to the exec
# and names both events; the steps query shows them. Creates and removes
# /dev/shm/NAME.
source "$(dirname "$0")/common.sh"
drop=/dev/shm/rg-demo-drop-$$
trap 'rm -f "$drop"' EXIT

step "copy a program to $drop, then run it"
cp /bin/true "$drop"
"$drop"
seen "SELECT 1 FROM alerts WHERE rule_id = 'SEQ-DROP-EXEC-001' AND exe = '$drop'"

answer alerts --rule SEQ-DROP-EXEC-001 --since 10m
answer sql "SELECT a.seq AS alert, s.key + 1 AS step, e.event_type, e.pid, e.exe, e.path
            FROM alerts a, json_each(a.steps) s
            JOIN (SELECT seq, event_type, pid, exe, NULL AS path FROM process_events
                  UNION ALL SELECT seq, event_type, pid, exe, path FROM file_events) e
              ON e.seq = s.value
            WHERE a.rule_id = 'SEQ-DROP-EXEC-001' AND a.exe = '$drop' ORDER BY a.seq, s.key"
