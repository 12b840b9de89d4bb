import socket, struct, sys, time
srv = sys.argv[1]
def query(qid, name):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."): q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", 1, 1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(query(0x1111, "www.example.test"), (srv, 53)); u.recvfrom(2048)
u.sendto(query(0x2222, "mail.example.test"), (srv, 53)); u.recvfrom(2048)
t = socket.create_connection((srv, 53)); t.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
q = query(0x3333, "tcp.example.test"); msg = struct.pack("!H", len(q)) + q
t.sendall(msg[:5]); time.sleep(0.05); t.sendall(msg[5:]); time.sleep(0.1)
t.recv(4096)
q2 = query(0x4444, "two.example.test"); q3 = query(0x5555, "three.example.test")
t.sendall(struct.pack("!H", len(q2)) + q2 + struct.pack("!H", len(q3)) + q3); time.sleep(0.1); t.recv(4096)
t.close()
