#!/usr/bin/env bash
# Demo: what persistence was planted? A systemd unit and a cron job are
# written (a relative write inside /etc/cron.d) and removed again; the
# alerts name the files and the processes, and the timeline of the cron
# file shows each step. Creates and removes /etc/systemd/system/NAME.service
# and /etc/cron.d/NAME.
source "$(dirname "$0")/common.sh"
name=rg-demo-persist-$$
unit=/etc/systemd/system/$name.service
cron=/etc/cron.d/$name
made=()
for d in /etc/systemd/system /etc/cron.d; do
	[[ -d $d ]] || { mkdir -p "$d" && made+=("$d"); }
done
trap 'rm -f "$unit" "$cron"; ((${#made[@]} == 0)) || rmdir "${made[@]}"' EXIT

step "a unit file written and removed: $unit"
printf '[Service]\nExecStart=/bin/true\n' >"$unit"
rm -f "$unit"
step "a cron job written from inside /etc/cron.d (a relative path) and removed: $cron"
sh -c "cd /etc/cron.d && echo '* * * * * root /bin/true' > $name && rm $name"
seen "SELECT 1 FROM alerts WHERE rule_id = 'PERSIST-CRON-001' AND summary LIKE '%$name%' AND summary LIKE 'file_unlink%'"

answer sql "SELECT rg_time(ts_ns) AS time, rule_id, summary FROM alerts
            WHERE summary LIKE '%$name%' ORDER BY seq"
answer timeline --path "$cron"
