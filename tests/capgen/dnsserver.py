import socket, struct, sys, threading
addr = sys.argv[1]
def answer(q):
    qid = q[:2]; question = q[12:]
    end = question.index(0) + 5
    rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 99])
    return qid + b"\x81\x80" + struct.pack("!HHHH", 1, 1, 0, 0) + question[:end] + rr
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((addr, 53))
    while True:
        q, peer = s.recvfrom(2048); s.sendto(answer(q), peer)
def tcp():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((addr, 53)); s.listen()
    while True:
        c, _ = s.accept(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        while True:
            data = c.recv(4096)
            if not data: break
            buf += data
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                n = struct.unpack("!H", buf[:2])[0]; q = buf[2:2 + n]; buf = buf[2 + n:]
                a = answer(q); c.sendall(struct.pack("!H", len(a)) + a)
        c.close()
threading.Thread(target=udp, daemon=True).start()
tcp()
