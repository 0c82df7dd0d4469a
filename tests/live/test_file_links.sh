#!/usr/bin/env bash
# Live: watched prefixes reached through symlinks, and many name patterns.
# The kernel names a successful open by the file's own dentries, so a
# watched link (a directory's, a file's) matches through its canonical
# form, which the recorder adds at start and resolves anew on SIGHUP; the
# event carries the canonical path. The 100th of 100 name patterns still
# reaches the kernel's filter.
source "$(dirname "$0")/lib.sh"
live_require
live_tap

M="rg$$x$RANDOM"
mkdir -p "$T/real" "$T/a" "$T/b" "$T/elsewhere"
ln -s real "$T/dirlink"                 # a watched directory link
echo x > "$T/target.conf"
ln -s target.conf "$T/filelink"         # a watched file link
ln -s a "$T/later"                      # repointed while recording
# a line holds 198 bytes: the list goes on over repeated keys
PATTERNS=$(for i in $(seq 1 100); do printf 'p%d.%s' "$i" "$M"; ((i % 5)) && printf ' ' ||
	printf '\nwatch_patterns = '; done)
rg_config
cat >>"$T/rg.ini" <<INI
[file]
watch_paths = $T/dirlink $T/filelink $T/later
watch_patterns = $PATTERNS
watch_writes =
[rules]
allow_none = true
INI

rg_start
check_re "the start names each link's canonical form" "$(cat "$T/stderr")" \
	"\\[file\\] $T/dirlink is $T/real: both are matched"
cat "$T/dirlink/../target.conf" >/dev/null 2>&1 || true # not under the link: nothing
echo yes > "$T/dirlink/f"
cat "$T/filelink" >/dev/null
echo yes > "$T/elsewhere/p100.$M"
echo no > "$T/elsewhere/p101.$M"
echo no > "$T/later/before"             # $T/a: watched through the link
rm "$T/later" && ln -s b "$T/later"
echo no > "$T/later/unseen"             # $T/b: not yet resolved
kill -HUP "$RG_PID"
for _ in $(seq 50); do grep -q "rules .*reloaded" "$T/stderr" && break; sleep 0.1; done
echo yes > "$T/later/after"             # $T/b, after SIGHUP
echo no > "$T/a/gone"                   # $T/a: the old form is dropped
sleep 0.5
rg_stop

q() { sql "SELECT count(*) FROM file_events WHERE event_type = 'file_open' AND path = '$1'"; }
check_num "an open through a directory link is recorded by its canonical path" "$(q "$T/real/f")" ">=" 1
check_eq "and never by the link's" "$(q "$T/dirlink/f")" 0
check_num "an open of a file link is recorded by its target's path" "$(q "$T/target.conf")" ">=" 1
check_num "the 100th name pattern matches" "$(q "$T/elsewhere/p100.$M")" ">=" 1
check_eq "a name no pattern has does not" "$(q "$T/elsewhere/p101.$M")" 0
check_num "a link's target at start is watched" "$(q "$T/a/before")" ">=" 1
check_eq "a link repointed after start is not followed before SIGHUP" "$(q "$T/b/unseen")" 0
check_num "SIGHUP resolves it anew" "$(q "$T/b/after")" ">=" 1
check_eq "and drops the old target" "$(q "$T/a/gone")" 0
live_done
