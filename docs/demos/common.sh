# docs/demos/common.sh: sourced by the demo scripts (not run).
#
#   RGQ    the query tool: rgq on PATH, else this repository's build/rgq
#   RG_DB  the recording: /var/lib/rand-guard/rand-guard.db as installed
#          (docs/quickstart.md); with scripts/run, var/rand-guard.db
#
#   step "what"        says what the demo does next
#   seen "SQL"         waits (up to 10 s) until the recorder has committed
#                      a row the query returns
#   answer ARGS...     prints and runs the rgq command that answers the
#                      demo's question
set -euo pipefail
demo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ -z ${RGQ:-} ]]; then
	RGQ=$(command -v rgq || echo "$demo_dir/../../build/rgq")
fi
RG_DB=${RG_DB:-/var/lib/rand-guard/rand-guard.db}
[[ $(id -u) == 0 ]] || { echo "demo: run it as root" >&2; exit 1; }
[[ -r $RG_DB ]] || {
	echo "demo: no recording at $RG_DB: start the recorder (docs/quickstart.md) or set RG_DB" >&2
	exit 1
}

step() { echo "== $*"; }

seen() {
	for _ in $(seq 50); do
		[[ -n $("$RGQ" --db "$RG_DB" --format csv sql "$1" 2>/dev/null | tail -n +2) ]] && return 0
		sleep 0.2
	done
	echo "demo: the recording has no row for: $1 (is the recorder running on $RG_DB?)" >&2
	exit 1
}

answer() {
	echo "== the answer:"
	echo "\$ rgq $*"
	"$RGQ" --db "$RG_DB" "$@"
}
