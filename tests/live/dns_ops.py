#!/usr/bin/env python3
"""dns_ops.py SERVER NAME: DNS queries the live test checks, as JSON.

Asks SERVER (port 53) for names under NAME in each way the recorder
hooks: sendto/recvfrom on an unconnected UDP socket, send/recv on a
connected one (an AAAA question), sendmsg/recvmsg, write/read on a
connected UDP socket, writev/read over TCP with the length prefix in its
own buffer, a TCP exchange with its length prefix, and a query for a
.onion name; then connects to the
address the first answer gave (to port 9, refused), so the connect can be
named from the answer. Prints what the test needs to find the events.
"""
import json, os, socket, struct, sys

def query(name, qtype, qid):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", qtype, 1)

def main():
    server, name = sys.argv[1:3]
    out = {"pid": os.getpid(), "exe": os.path.realpath("/proc/self/exe")}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(query(f"udp.{name}", 1, 1), (server, 53))
    answer = s.recvfrom(4096)[0]
    out["answer"] = socket.inet_ntoa(answer[-4:])
    out["udp_socket"] = os.fstat(s.fileno()).st_ino
    s.sendto(query("x.onion", 1, 2), (server, 53))
    s.recvfrom(4096)
    s.sendmsg([query(f"msg.{name}", 16, 3)], [], 0, (server, 53))
    s.recvmsg(4096)
    s.close()

    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(5)
    c.connect((server, 53))
    c.send(query(f"connected.{name}", 28, 4))
    c.recv(4096)
    c.close()

    # write/read on a connected UDP socket (busybox, Go), and writev with
    # the TCP length prefix as its own buffer, then read (glibc over TCP)
    # (blocking, with a kernel receive timeout: a Python timeout would make
    # the socket non-blocking under os.read)
    w = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    w.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 5, 0))
    w.connect((server, 53))
    os.write(w.fileno(), query(f"write.{name}", 1, 6))
    os.read(w.fileno(), 4096)
    w.close()
    v = socket.create_connection((server, 53), timeout=5)
    v.settimeout(None)
    v.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 5, 0))
    m = query(f"writev.{name}", 1, 7)
    os.writev(v.fileno(), [struct.pack("!H", len(m)), m])
    os.read(v.fileno(), 4096)
    v.close()

    t = socket.create_connection((server, 53), timeout=5)
    m = query(f"tcp.{name}", 1, 5)
    t.sendall(struct.pack("!H", len(m)) + m)
    t.recv(4096)
    out["tcp_socket"] = os.fstat(t.fileno()).st_ino
    t.close()

    k = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    out["connect_errno"] = k.connect_ex((out["answer"], 9))
    k.close()
    print(json.dumps(out))

if __name__ == "__main__":
    main()
