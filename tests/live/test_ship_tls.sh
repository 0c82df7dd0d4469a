#!/usr/bin/env bash
# [ship] over https, through the recorder's config: an endpoint on
# loopback (ship_sink.py) whose certificate a throwaway CA signed (made
# here with the openssl command). With ca_file naming another CA the
# recorder sends nothing, its health rows count the failures and its
# stderr says why; restarted with ca_file naming the CA, it ships what
# waited in the database and what it records. (ship.c's TLS side in
# detail, with a wrong host name too: tests/unit/test_ship_tls.c.)
source "$(dirname "$0")/lib.sh"
live_require
command -v openssl >/dev/null || live_skip "needs the openssl command (scripts/deps --test)"
live_tap

PW=tls-live-$$-secret
SEQ_TABLES="process_events file_events network_events system_events alerts health"

(
	cd "$T"
	k="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	for ca in ca other-ca; do
		openssl req -x509 $k -keyout $ca.key -out $ca.pem -days 2 -subj /CN=rg-live-$ca
	done
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >server.ext
	openssl req $k -keyout server.key -out server.csr -subj /CN=localhost
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile server.ext -out server.pem
) >"$T/openssl.log" 2>&1 || fail "openssl: $(tail -3 "$T/openssl.log")"

python3 "$RG_SOURCE_DIR/tests/live/ship_sink.py" "$T/sink.log" "$T/port" \
	"$T/server.pem" "$T/server.key" 2>"$T/sink.err" &
SINK=$!
trap 'kill "$SINK" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 100); do [[ -s "$T/port" ]] && break; sleep 0.1; done
[[ -s "$T/port" ]] || fail "ship_sink.py did not listen: $(cat "$T/sink.err")"
touch "$T/sink.log"
echo "$PW" >"$T/pw"
chmod 600 "$T/pw"

# config CA: the recorder's config, shipping to the endpoint with ca_file CA
config() {
	rg_config
	rg_watch "$T/w"
	cat >>"$T/rg.ini" <<-INI
	[ship]
	enabled = true
	url = https://127.0.0.1:$(cat "$T/port")
	user = rg_tls
	password_file = $T/pw
	ca_file = $1
	interval_ms = 100
	backoff_max_s = 1
	INI
}
sink_rows() { awk -v t="${1:-}" 't == "" || $1 == t { n += $2 } END { print n + 0 }' "$T/sink.log"; }
mkdir -p "$T/w"

# 1. another CA: nothing goes, and the recorder says so
config "$T/other-ca.pem"
rg_start
busy "$T/w" 3
rg_stop
cp "$T/stderr" "$T/stderr.refused"
check_eq "another CA: the endpoint received nothing" "$(sink_rows)" 0
check_num "... the health rows count the failures" "$(sql "SELECT max(ship_failures) FROM health")" ">=" 2
check_eq "... and no row acknowledged" "$(sql "SELECT max(ship_rows) FROM health")" 0
check_re "... stderr says why" "$(grep 'rand-guard: ship:' "$T/stderr.refused" | head -1)" \
	"^rand-guard: ship: [a-z_]+: SSL certificate problem: unable to get local issuer certificate$"
check_eq "... the password is not on stderr" "$(grep -c -- "$PW" "$T/stderr.refused" || true)" 0
WAITING=$(sql "SELECT count(*) FROM file_events")
check_num "... the rows wait in the database" "$WAITING" ">" 0

# 2. the CA that signed the endpoint's certificate: what waited goes, and the new rows
config "$T/ca.pem"
rg_start
busy "$T/w" 2
rg_stop
check_num "ca_file names the CA: the health rows count rows acknowledged" \
	"$(sql "SELECT max(ship_rows) FROM health")" ">" 0
for t in $SEQ_TABLES; do
	check_num "... the endpoint has every $t row (at least once)" "$(sink_rows "$t")" ">=" \
		"$(sql "SELECT count(*) FROM $t")"
done
check_num "... the file rows of the refused run among them" "$(sink_rows file_events)" ">=" "$WAITING"
check_eq "... no failure in this run" "$(sql "SELECT max(ship_failures) FROM health
	WHERE seq >= (SELECT first_seq FROM runs ORDER BY run_id DESC LIMIT 1)")" 0
check_eq "... nothing on stderr from the shipper" "$(grep -c 'rand-guard: ship:' "$T/stderr" || true)" 0
live_done
