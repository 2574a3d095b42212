# Test peer (not published): a UDP echo server written with Python's socket module, which this
# project did not write. Prints its port, then answers N datagrams with their bytes reversed.
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(10)
print(s.getsockname()[1], flush=True)
n = int(sys.argv[1])
for _ in range(n):
    data, addr = s.recvfrom(65535)
    s.sendto(data[::-1], addr)
