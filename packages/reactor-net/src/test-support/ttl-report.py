# Test peer (not published): a UDP receiver written with Python's socket module, reporting the IP
# TTL each datagram arrived with (IP_RECVTTL), which no JavaScript runtime can read. Usage:
# ttl-report.py N [GROUP INTERFACE]: binds 127.0.0.1 (or 0.0.0.0 with GROUP joined on INTERFACE),
# prints its port, then "<text> <ttl>" for each of N datagrams.
import socket, struct, sys
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)  # 12 on Linux; Python does not always name it
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
group = sys.argv[2] if len(sys.argv) > 3 else None
s.bind(("0.0.0.0" if group else "127.0.0.1", 0))
if group:
    membership = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(sys.argv[3]))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
s.settimeout(10)
print(s.getsockname()[1], flush=True)
for _ in range(int(sys.argv[1])):
    data, ancillary, _flags, _sender = s.recvmsg(65535, 64)
    ttl = next((struct.unpack("i", v)[0] for level, kind, v in ancillary
                if level == socket.IPPROTO_IP and kind == socket.IP_TTL), None)
    print(data.decode(), ttl, flush=True)
