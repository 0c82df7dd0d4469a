#!/usr/bin/env python3
"""dns_server.py ADDR ANSWER READY: a tiny DNS server for the live tests.

Listens on ADDR port 53 over UDP and TCP (in the test's private network
namespace, whose loopback it brings up first) and answers every question:
an A question with the one address ANSWER (TTL 60), any other type with
no records (NOERROR). Writes READY once both sockets listen. Runs until
killed. Not a resolver: just enough DNS for the recorder to see both
directions of a real exchange.
"""
import fcntl, socket, struct, sys, threading

def loopback_up():
    # SIOCSIFFLAGS with IFF_UP | IFF_LOOPBACK | IFF_RUNNING: "ip link set lo up"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    fcntl.ioctl(s, 0x8914, struct.pack("16sH", b"lo", 0x1 | 0x8 | 0x40))
    s.close()

def answer(query, addr):
    """The response to a query message, or None when it is not one."""
    if len(query) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", query[:6])
    at = 12
    while at < len(query) and query[at]:
        at += 1 + query[at]
    if qd != 1 or at + 5 > len(query):
        return None
    question = query[12:at + 5]
    qtype = struct.unpack("!H", query[at + 1:at + 3])[0]
    records = b""
    if qtype == 1:
        records = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(addr)
    head = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100), 1, 1 if records else 0, 0, 0)
    return head + question + records

def serve_udp(sock, addr):
    while True:
        data, peer = sock.recvfrom(4096)
        r = answer(data, addr)
        if r:
            sock.sendto(r, peer)

def serve_tcp_conn(conn, addr):
    with conn:
        while True:
            head = conn.recv(2, socket.MSG_WAITALL)
            if len(head) < 2:
                return
            data = conn.recv(struct.unpack("!H", head)[0], socket.MSG_WAITALL)
            r = answer(data, addr)
            if not r:
                return
            conn.sendall(struct.pack("!H", len(r)) + r)

def serve_tcp(sock, addr):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve_tcp_conn, args=(conn, addr), daemon=True).start()

def main():
    listen, addr, ready = sys.argv[1:4]
    loopback_up()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((listen, 53))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((listen, 53))
    t.listen(8)
    threading.Thread(target=serve_tcp, args=(t, addr), daemon=True).start()
    open(ready, "w").close()
    serve_udp(u, addr)

if __name__ == "__main__":
    main()
