#!/usr/bin/env bash
# Live: network telemetry on loopback. TCP over IPv4 and IPv6 (bind,
# listen with the real port, connect, accept with the client's port), a
# refused connect, a UDP send, a unix socket (filtered), the documented
# lifecycle query, and nothing at all with the network family off.
source "$(dirname "$0")/lib.sh"
live_require
live_tap

rg_config
printf '[network]\nenabled = true\n' >>"$T/rg.ini"
rg_start
python3 "$RG_SOURCE_DIR/tests/live/net_ops.py" >"$T/ops.json"
sleep 0.5
rg_stop
ok "recorder started and stopped cleanly"

python3 - "$T" "$RG_SOURCE_DIR/docs/schema.md" <<'PY'
import json, re, sqlite3, sys
T, schema_md = sys.argv[1:3]
ops = json.load(open(f"{T}/ops.json"))
from tap import check, check_eq, ndjson

events = ndjson(f"{T}/events.ndjson")
net = [e for e in events if e["event_type"].startswith("network_") and e["pid"] == ops["pid"]]
def find(t, **kw):
    return [e for e in net if e["event_type"] == t and all(e.get(k) == v for k, v in kw.items())]

for tag, host, fam in (("v4", "127.0.0.1", "ipv4"), ("v6", "::1", "ipv6")):
    o = ops[tag]
    b = find("network_bind", socket_id=o["listener"])
    check(len(b) == 1 and b[0]["result"] == 0 and b[0]["local_port"] == o["port"] and
          b[0]["local_addr"] == host and b[0]["family"] == fam and b[0]["protocol"] == "tcp",
          f"{tag}: bind to port 0 shows the port it got ({o['port']})")
    l = find("network_listen", socket_id=o["listener"])
    check(len(l) == 1 and l[0]["local_port"] == o["port"] and l[0]["remote_addr"] is None,
          f"{tag}: listen shows the real port")
    c = find("network_connect", socket_id=o["client"])
    check(len(c) == 1 and c[0]["result"] == 0 and c[0]["remote_addr"] == host and
          c[0]["remote_port"] == o["port"] and c[0]["local_port"] == o["client_port"],
          f"{tag}: connect result 0, both ends")
    a = find("network_accept", socket_id=o["listener"])
    check(len(a) == 1 and a[0]["result"] >= 0 and a[0]["remote_port"] == o["client_port"] and
          a[0]["new_socket_id"] == o["accepted"] and a[0]["local_port"] == o["port"],
          f"{tag}: accept shows the client's port and the new socket")
    check(all(e["proc_id"] and e["exe"] for e in b + l + c + a), f"{tag}: process context")

r = ops["refused"]
rc = find("network_connect", remote_port=r["port"])
check(r["errno"] == 111 and len(rc) == 1 and rc[0]["result"] == -111,
      "refused connect: result -ECONNREFUSED, with the address asked for")
u = find("network_connect", socket_id=ops["udp"]["socket"])
check(len(u) == 1 and u[0]["protocol"] == "udp" and u[0]["syscall"] == "sendto" and
      u[0]["remote_port"] == 9, "UDP: two sends from one socket, one event")

db = sqlite3.connect(f"file:{T}/rg.db?mode=ro", uri=True)
rows = db.execute("SELECT seq, event_type, socket_id, local_port, remote_port, result "
                  "FROM network_events WHERE pid = ?", (ops["pid"],)).fetchall()
check(len(rows) == len(net) and all(
      (e["seq"], e["event_type"], e["socket_id"], e["local_port"], e["remote_port"],
       e["result"]) in rows for e in net), f"SQLite rows equal NDJSON ({len(rows)})")
check(not any(e.get("family") not in ("ipv4", "ipv6") for e in net), "no unix socket recorded")
f = db.execute("SELECT filtered FROM health ORDER BY seq DESC LIMIT 1").fetchone()[0]
check(f >= 1, f"unix connect counted as filtered ({f})")

# The lifecycle query from docs/schema.md, for the IPv4 server's port.
sql = re.search(r"One socket's lifecycle.*?```sql\n(.*?)```", open(schema_md).read(), re.S)[1]
sql = sql.replace("local_port = 8080", f"local_port = {ops['v4']['port']}")
life = [r[1] for r in db.execute(sql)]
check_eq(life, ["network_bind", "network_listen", "network_accept"],
         "docs lifecycle query: bind, listen, accept")
PY

# [network] unix = true: unix sockets recorded with their path.
rm -f "$T/rg.db"* "$T/events.ndjson"
rg_config
printf '[network]\nenabled = true\nunix = true\n' >>"$T/rg.ini"
rg_start
python3 "$RG_SOURCE_DIR/tests/live/net_ops.py" >"$T/ops.json"
sleep 0.3
rg_stop
python3 - "$T" <<'PY'
import json, sys
from tap import check, ndjson
T = sys.argv[1]
ops = json.load(open(f"{T}/ops.json"))
u = ops["unix"]
net = [e for e in ndjson(f"{T}/events.ndjson")
       if e.get("pid") == ops["pid"] and e.get("family") == "unix"]
got = {(e["event_type"], e["socket_id"], e.get("local_addr"), e.get("remote_addr")) for e in net}
want = {("network_bind", u["listener"], u["path"], None),
        ("network_listen", u["listener"], u["path"], None),
        ("network_connect", u["client"], None, u["path"]),
        ("network_accept", u["listener"], u["path"], None)}
check(want <= got and all(e["local_port"] is None for e in net),
      "unix = true: bind, listen, connect, accept with the path", f"got {sorted(got, key=str)}")
PY

# [network] off (the default): nothing recorded, no network program loaded.
rm -f "$T/rg.db"* "$T/events.ndjson"
rg_config
before=$(bpftool prog show 2>/dev/null | grep -c " name rg_net_connect " || true)
rg_start
loaded=$(( $(bpftool prog show 2>/dev/null | grep -c " name rg_net_connect " || true) - before ))
python3 "$RG_SOURCE_DIR/tests/live/net_ops.py" >/dev/null
sleep 0.3
rg_stop
check_eq "network off by default: no events" "$(sql "SELECT count(*) FROM network_events")" 0
check_eq "network off by default: its programs are not loaded" "$loaded" 0
live_done
