"""net_ops.py: loopback network activity for the live network test.
Prints one JSON object with the ports and socket inodes it used."""
import json, os, socket, tempfile

def ino(s):
    return os.fstat(s.fileno()).st_ino

out = {}
for fam, host, tag in ((socket.AF_INET, "127.0.0.1", "v4"), (socket.AF_INET6, "::1", "v6")):
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.bind((host, 0))
    srv.listen(4)
    port = srv.getsockname()[1]
    cli = socket.socket(fam, socket.SOCK_STREAM)
    cli.connect((host, port))
    conn, peer = srv.accept()
    out[tag] = {"port": port, "client_port": cli.getsockname()[1], "listener": ino(srv),
                "client": ino(cli), "accepted": ino(conn)}
    for s in (conn, cli, srv):
        s.close()

# A refused connect: a port that was just free.
tmp = socket.socket()
tmp.bind(("127.0.0.1", 0))
closed = tmp.getsockname()[1]
tmp.close()
c = socket.socket()
try:
    c.connect(("127.0.0.1", closed))
    out["refused"] = {"port": closed, "errno": 0}
except OSError as e:
    out["refused"] = {"port": closed, "errno": e.errno, "socket": ino(c)}
c.close()

# UDP: two sends to one port from one socket are one event.
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(b"x", ("127.0.0.1", 9))
u.sendto(b"y", ("127.0.0.1", 9))
out["udp"] = {"port": 9, "socket": ino(u)}
u.close()

# A unix-domain connect: not recorded, counted as filtered.
d = tempfile.mkdtemp()
us = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
us.bind(os.path.join(d, "s"))
us.listen(1)
uc = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
uc.connect(os.path.join(d, "s"))
ua, _ = us.accept()
out["unix"] = {"path": os.path.join(d, "s"), "listener": ino(us), "client": ino(uc),
               "accepted": ino(ua)}
for s in (ua, uc, us):
    s.close()
os.unlink(os.path.join(d, "s"))
os.rmdir(d)
out["pid"] = os.getpid()
print(json.dumps(out))
