import assert from "node:assert/strict";
import { test } from "node:test";
import { NetError, SocketAddress } from "./mod.ts";

test("parses IPv4 and IPv6 addresses with ports", () => {
  const v4 = SocketAddress.from("127.0.0.1:8080");
  assert.deepEqual([v4.family, v4.address, v4.port, String(v4)], ["IPv4", "127.0.0.1", 8080, "127.0.0.1:8080"]);
  const v6 = SocketAddress.from("[::1]:0");
  assert.deepEqual([v6.family, v6.address, v6.port, String(v6)], ["IPv6", "::1", 0, "[::1]:0"]);
  assert.equal(SocketAddress.from(v6), v6);
  assert.ok(v4.equals(new SocketAddress("127.0.0.1", 8080)));
  assert.ok(!v4.equals(new SocketAddress("127.0.0.1", 8081)));
});

test("bad addresses and ports get INVALID_ADDRESS naming the value", () => {
  const cases: [unknown, RegExp][] = [
    ["127.0.0.1:65536", /port must be an integer from 0 to 65535, got 65536/],
    ["127.0.0.1", /expected "ip:port".*got "127.0.0.1"/],
    ["localhost:53", /not an IPv4 or IPv6 address: "localhost"/],
    ["::1:53", /expected "ip:port" \(IPv6 as "\[ip\]:port"\), got "::1:53"/],
    ["300.1.1.1:5", /not an IPv4 or IPv6 address: "300.1.1.1"/],
    [42, /got 42/],
  ];
  for (const [value, message] of cases) {
    assert.throws(
      () => SocketAddress.from(value as string),
      (e: unknown) => e instanceof NetError && e.code === "INVALID_ADDRESS" && message.test(e.message),
      String(value),
    );
  }
  assert.throws(() => new SocketAddress("10.0.0.1", -1), /got -1/);
  assert.throws(() => new SocketAddress("10.0.0.1", 1.5), /got 1.5/);
});
