#!/usr/bin/env bash
# Live: DNS. A test server (dns_server.py) on 127.0.0.1 port 53 in a private
# network and mount namespace answers A questions with 127.0.0.77; a client
# there (dns_ops.py) asks over UDP (sendto/recvfrom, a connected socket,
# sendmsg/recvmsg, write/read) and TCP (send/recv, writev/read), and glibc's resolver asks through getent
# (sendmmsg: its A and AAAA questions in one call). Checks the dns_query and
# dns_answer rows and NDJSON (process, name, type, addresses), that a rule
# on a queried name fires, that a connect to the answered address carries
# the name, rgq events --type dns, and nothing with the dns hook off. On
# Linux 6.3+ write, writev and read are seen from the socket's send and
# receive tracepoints, and no program is left on read(2).
source "$(dirname "$0")/lib.sh"
live_require
live_tap

name="rg$$.test"
printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:2\n' >"$T/resolv.conf"
# Runs the server and the queries in one fresh network and mount namespace
# (its /etc/resolv.conf names the server), the server stopped at the end.
run_ops() {
	unshare -nm bash -s "$RG_SOURCE_DIR/tests/live" "$T" "$name" <<-'SH'
	set -eu
	dir=$1 T=$2 name=$3
	mount --bind "$T/resolv.conf" /etc/resolv.conf
	rm -f "$T/ready"
	python3 "$dir/dns_server.py" 127.0.0.1 127.0.0.77 "$T/ready" >/dev/null 2>&1 &
	srv=$!
	trap 'kill $srv' EXIT
	for _ in $(seq 100); do [[ -e $T/ready ]] && break; sleep 0.05; done
	timeout 30 python3 "$dir/dns_ops.py" 127.0.0.1 "$name" >"$T/ops.json"
	getent ahosts "glibc.$name" >"$T/getent.out" || true
	SH
}

rg_config
cat >>"$T/rg.ini" <<INI
[network]
enabled = true
[rule "DNS-ONION-TEST"]
name = a Tor hidden-service name was looked up
severity = medium
events = dns_query
match = dns_query glob *.onion
INI
# where the socket's send and receive have tracepoints (Linux 6.3+) the
# DNS programs sit there, and nothing of rand-guard's runs on read(2);
# the programs loaded by name, any variant (_pr, _old)
progs() {
	bpftool prog show 2>/dev/null | grep -cE " name ($1)(_pr|_old)? " || true
}
rw='rg_net_dns_read|rg_net_dns_write|rg_net_dns_writev' sock='rg_net_dns_sock_send|rg_net_dns_sock_recv'
before_rw=$(progs "$rw") before_sock=$(progs "$sock")
rg_start
rw_loaded=$(( $(progs "$rw") - before_rw ))
sock_loaded=$(( $(progs "$sock") - before_sock ))
run_ops || nok "the DNS client or server failed (exit $?)"
sleep 0.5
rg_stop
ok "recorder started and stopped cleanly"
if [[ -e /sys/kernel/tracing/events/sock/sock_recv_length &&
	-e /sys/kernel/tracing/events/sock/sock_send_length ]]; then
	check_eq "the socket tracepoints here: the DNS programs on them, none on read/write/writev" \
		"$sock_loaded $rw_loaded" "2 0"
else
	check_eq "no socket tracepoints here: the DNS programs on read, write and writev" \
		"$sock_loaded $rw_loaded" "0 3"
fi
check_re "getent resolved the name through the test server" "$(cat "$T/getent.out")" \
	'^127\.0\.0\.77 '

python3 - "$T" "$name" <<'PY'
import json, sqlite3, sys
from tap import check, check_eq, ndjson
T, name = sys.argv[1:3]
ops = json.load(open(f"{T}/ops.json"))
events = ndjson(f"{T}/events.ndjson")
mine = [e for e in events if e.get("pid") == ops["pid"]]
dns = [e for e in mine if e["event_type"] in ("dns_query", "dns_answer")]
def find(t, q):
    return [e for e in dns if e["event_type"] == t and e["dns_query"] == q]

for q, typ, sys_out, sys_in in ((f"udp.{name}", "A", "sendto", "recvfrom"),
                                 (f"msg.{name}", "TXT", "sendmsg", "recvmsg"),
                                 (f"connected.{name}", "AAAA", "sendto", "recvfrom"),
                                 (f"write.{name}", "A", "write", "read"),
                                 (f"writev.{name}", "A", "writev", "read"),
                                 (f"tcp.{name}", "A", "sendto", "recvfrom")):
    out, back = find("dns_query", q), find("dns_answer", q)
    check(len(out) == 1 and out[0]["dns_type"] == typ and out[0]["syscall"] == sys_out and
          out[0]["remote_addr"] == "127.0.0.1" and out[0]["remote_port"] == 53 and
          out[0]["exe"] == ops["exe"] and out[0]["proc_id"] and out[0]["result"] > 0,
          f"query {q}: one dns_query, type {typ}, by {sys_out}, with the process", out)
    want = "127.0.0.77" if typ == "A" else None
    check(len(back) == 1 and back[0]["dns_type"] == typ and back[0]["syscall"] == sys_in and
          back[0]["dns_rcode"] == 0 and back[0]["dns_answers"] == want,
          f"query {q}: one dns_answer by {sys_in}, addresses {want}", back)
tcp = find("dns_query", f"tcp.{name}")
check(tcp and tcp[0]["protocol"] == "tcp" and tcp[0]["socket_id"] == ops["tcp_socket"],
      "TCP: the query read behind its length prefix, on the client's socket")
udp = find("dns_query", f"udp.{name}")
check(udp and udp[0]["protocol"] == "udp" and udp[0]["socket_id"] == ops["udp_socket"],
      "UDP: on the client's socket")

conn = [e for e in mine if e["event_type"] == "network_connect" and e["remote_port"] == 9]
check(len(conn) == 1 and conn[0]["remote_addr"] == "127.0.0.77" and
      conn[0]["remote_hostname"] == f"tcp.{name}",
      "a connect to an answered address carries the name of the latest answer", conn)

g = [e for e in events if e["event_type"] == "dns_query" and e["dns_query"] == f"glibc.{name}"]
check(sorted(e["dns_type"] for e in g) == ["A", "AAAA"] and
      all(e["syscall"] == "sendmmsg" and e["comm"] == "getent" for e in g),
      "glibc's resolver: the A and AAAA questions of one sendmmsg", g)

alerts = [e for e in events if e["event_type"] == "alert" and e["rule_id"] == "DNS-ONION-TEST"]
check(len(alerts) == 1 and alerts[0]["trigger"]["dns_query"] == "x.onion" and
      alerts[0]["pid"] == ops["pid"], "the rule on dns_query glob *.onion fired once", alerts)

db = sqlite3.connect(f"file:{T}/rg.db?mode=ro", uri=True)
rows = db.execute("SELECT seq, event_type, dns_query, dns_type, dns_answers FROM network_events "
                  "WHERE pid = ? AND event_type LIKE 'dns_%'", (ops["pid"],)).fetchall()
check_eq(sorted(rows), sorted((e["seq"], e["event_type"], e["dns_query"], e["dns_type"],
                               e.get("dns_answers")) for e in dns), "SQLite rows equal NDJSON")
a = db.execute("SELECT event_type, summary FROM alerts WHERE rule_id = 'DNS-ONION-TEST'").fetchall()
check(len(a) == 1 and a[0][1].startswith("dns_query A x.onion by "), "the alert row's summary", a)
PY

check_run "rgq events --type dns" "$T/rgq.out" "$RG_BUILD_DIR/rgq" --db "$T/rg.db" events --type dns
check_re "rgq events --type dns shows the question and the answer" "$(cat "$T/rgq.out")" \
	"A udp\.$name from udp 127\.0\.0\.1 => 127\.0\.0\.77.*A udp\.$name to udp 127\.0\.0\.1"
check_eq "rgq events --type dns shows only DNS" \
	"$(grep -c -E 'network_(connect|bind|listen|accept)' "$T/rgq.out" || true)" 0

# Replay: the stored DNS rows give the live alerts, and a new rule on the
# stored remote_hostname fires on the connect.
check_run "rgq replay of the recorder's rules" "$T/replay.csv" \
	"$RG_BUILD_DIR/rgq" --db "$T/rg.db" --format csv replay --rules "$T/rg.ini" --quiet
check_run "rgq alerts" "$T/alerts.csv" "$RG_BUILD_DIR/rgq" --db "$T/rg.db" --format csv alerts
check_eq "replay equals the live alerts" "$(cat "$T/replay.csv")" "$(cat "$T/alerts.csv")"
printf '[rule "HOST-TEST"]\nname = t\nseverity = low\nmatch = remote_hostname suffix .%s\n' \
	"$name" >"$T/host.rules"
check_run "rgq replay of a rule on remote_hostname" "$T/host.csv" \
	"$RG_BUILD_DIR/rgq" --db "$T/rg.db" --format csv replay --rules "$T/host.rules" --quiet
check_re "the replayed rule fires on the connect to the answered address" \
	"$(cat "$T/host.csv")" "HOST-TEST.*network_connect 127\.0\.0\.77 port 9"
check_eq "and only there" "$(grep -c HOST-TEST "$T/host.csv")" 1

# The dns hook off: the other network hooks still record, DNS does not.
rm -f "$T/rg.db"* "$T/events.ndjson"
rg_config
printf '[network]\nenabled = true\nhooks = connect\n' >>"$T/rg.ini"
rg_start
run_ops || nok "the DNS client or server failed (exit $?)"
sleep 0.3
rg_stop
check_eq "hooks without dns: no DNS event" \
	"$(sql "SELECT count(*) FROM network_events WHERE event_type LIKE 'dns_%'")" 0
check_num "hooks without dns: connects still recorded" \
	"$(sql "SELECT count(*) FROM network_events WHERE event_type = 'network_connect' AND remote_port = 9")" \
	">=" 1
live_done
